/**
 * Importing a contact from a vCard: a picked, dropped or pasted .vcf is checked here (size before
 * reading), then the core's `previewVcard` says who would be added and what becomes of each key;
 * only after the person confirms does `importVcard` change anything, and the chat opens.
 */
import { useRef, useState } from 'react';
import type { ClipboardEvent, DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { VcardPreview } from '../../../shared/api.ts';
import type { Account } from '../../../shared/types.ts';
import { Avatar } from '../../components/Avatar.tsx';
import { ConfirmActions } from '../../components/ConfirmActions.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { Icon } from '../../components/Icon.tsx';
import { useApp } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { Fingerprint } from './Fingerprint.tsx';
import { firstVcardFile, readVcardFile, vcardTextProblem } from './vcard-file.ts';
import type { VcardProblem } from './vcard-file.ts';

/** Rows shown for a card of many contacts; the rest are counted. */
const SHOWN = 50;

export function VcardImport({ account, onBack }: { account: Account; onBack: () => void }) {
  const { t } = useTranslation();
  const app = useApp();
  const [text, setText] = useState('');
  const [preview, setPreview] = useState<{ vcard: string; cards: VcardPreview[] } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const fileRef = useRef<HTMLInputElement>(null);
  const close = () => app.openDialog(null);

  const problemSentence = (problem: VcardProblem) =>
    problem === 'tooBig'
      ? t('vcard.tooBig')
      : problem === 'notVcard'
        ? t('vcard.notVcard')
        : t('vcard.unreadable');

  const check = async (vcard: string) => {
    if (!vcard.trim()) {
      setError(t('vcard.empty'));
      return;
    }
    const problem = vcardTextProblem(vcard);
    if (problem) {
      setError(problemSentence(problem));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const cards = await app.runtime.call('previewVcard', { accountId: account.id, vcard });
      if (cards.length === 0) setError(t('vcard.noAddress'));
      else setPreview({ vcard, cards });
    } catch (e) {
      setError(errorSentence(e));
    } finally {
      setBusy(false);
    }
  };

  const fromFile = async (file: File) => {
    setError(null);
    const read = await readVcardFile(file);
    if (read.problem) {
      setError(problemSentence(read.problem));
      return;
    }
    await check(read.text);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const file = firstVcardFile(e.dataTransfer.files);
    if (file) {
      void fromFile(file);
      return;
    }
    const dropped = e.dataTransfer.getData('text/plain');
    if (dropped) {
      setText(dropped.slice(0, 200_000));
      void check(dropped);
    }
  };

  const onPaste = (e: ClipboardEvent) => {
    const file = firstVcardFile(e.clipboardData.files);
    if (!file) return;
    e.preventDefault();
    void fromFile(file);
  };

  const add = async () => {
    if (!preview) return;
    setBusy(true);
    setError(null);
    try {
      const added = await app.runtime.call('importVcard', {
        accountId: account.id,
        vcard: preview.vcard,
      });
      const [only] = added;
      if (added.length === 1 && only) {
        await app.createChat(account.id, only.addr);
        return;
      }
      app.toast(t('vcard.added', { count: added.length }));
      onBack();
    } catch (e) {
      setError(errorSentence(e));
      setBusy(false);
    }
  };

  if (preview) {
    const others = preview.cards.filter((c) => !c.isSelf);
    const [single] = others;
    const title =
      others.length > 1 ? t('vcard.confirmMany', { count: others.length }) : t('vcard.confirmOne');
    return (
      <Dialog title={title} onClose={close} className="vcard-dialog">
        {single && others.length === 1 ? (
          <SingleCard card={single} />
        ) : (
          <ManyCards cards={preview.cards} />
        )}
        {preview.cards.some((c) => c.isSelf) && (
          <p className="hint">{others.length === 0 ? t('vcard.onlySelf') : t('vcard.self')}</p>
        )}
        <ConfirmActions
          error={error}
          onBack={() => {
            setPreview(null);
            setError(null);
          }}
          confirmLabel={
            others.length > 1 ? t('vcard.addMany', { count: others.length }) : t('vcard.add')
          }
          onConfirm={() => void add()}
          disabled={busy || others.length === 0}
        />
      </Dialog>
    );
  }

  return (
    <Dialog title={t('vcard.importTitle')} onClose={close} className="vcard-dialog">
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void check(text);
        }}
      >
        <p className="form-intro">{t('vcard.intro')}</p>
        <div
          className={`qr-drop vcard-drop ${dragging ? 'dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <Icon name="file" size={28} />
          <span>{t('vcard.dropHint')}</span>
          <button type="button" className="button" onClick={() => fileRef.current?.click()}>
            {t('vcard.pickFile')}
          </button>
          <input
            ref={fileRef}
            type="file"
            accept=".vcf,.vcard,text/vcard,text/x-vcard"
            hidden
            onChange={(e) => {
              const file = e.target.files?.[0];
              e.target.value = '';
              if (file) void fromFile(file);
            }}
          />
        </div>
        <label className="field">
          <span>{t('vcard.textLabel')}</span>
          <textarea
            className="vcard-text"
            value={text}
            rows={4}
            spellCheck={false}
            autoComplete="off"
            placeholder={'BEGIN:VCARD\nVERSION:4.0\nEMAIL:…'}
            aria-invalid={error ? true : undefined}
            onChange={(e) => setText(e.target.value)}
            onPaste={onPaste}
          />
        </label>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={onBack}>
            {t('common.back')}
          </button>
          <button type="submit" className="button primary" disabled={busy || !text.trim()}>
            {t('vcard.continue')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** One contact: who, the key, and honestly what importing does and does not do. */
function SingleCard({ card }: { card: VcardPreview }) {
  const { t } = useTranslation();
  const name = card.name || card.addr;
  const effects: { icon: 'lock' | 'lockOff' | 'warning' | 'info'; text: string }[] = [];
  effects.push({ icon: 'info', text: t('vcard.opensChat', { name }) });
  if (card.contactId !== null) effects.push({ icon: 'info', text: t('vcard.known', { name }) });
  if (card.key === 'new') effects.push({ icon: 'lock', text: t('vcard.keyNew', { name }) });
  else if (card.key === 'same') effects.push({ icon: 'lock', text: t('vcard.keySame', { name }) });
  else if (card.key === 'replaces')
    effects.push({ icon: 'warning', text: t('vcard.keyReplaces', { name }) });
  else if (card.key === 'ignored')
    effects.push({ icon: 'info', text: t('vcard.keyIgnored', { name }) });
  else effects.push({ icon: 'lockOff', text: t('vcard.keyMissing', { name }) });

  return (
    <>
      <div className="contact-card">
        <Avatar name={name} seed={card.addr} size={56} />
        <div>
          <h3 className="contact-name">{name}</h3>
          <p className="contact-addr">{card.addr}</p>
        </div>
      </div>
      <section className="vcard-key" aria-labelledby="vcard-key-title">
        <h3 id="vcard-key-title">
          <Icon name={card.fingerprint ? 'lock' : 'lockOff'} size={16} />
          {card.key === 'none'
            ? t('vcard.keyNone')
            : card.key === 'unreadable'
              ? t('vcard.keyUnreadable')
              : t('vcard.keyIncluded')}
        </h3>
        {card.fingerprint && (
          <Fingerprint value={card.fingerprint} label={t('vcard.fingerprint')} />
        )}
      </section>
      <section aria-labelledby="vcard-effects-title">
        <h3 id="vcard-effects-title" className="vcard-section-title">
          {t('vcard.whatHappens')}
        </h3>
        <ul className="vcard-effects">
          {effects.map((e) => (
            <li key={e.text} className={e.icon === 'warning' ? 'warning-text' : undefined}>
              <Icon name={e.icon} size={16} />
              <span>{e.text}</span>
            </li>
          ))}
        </ul>
      </section>
      {!card.verified && (
        <p className="vcard-unverified" role="note">
          <Icon name="info" size={18} />
          <span>{t('vcard.notVerified', { name })}</span>
        </p>
      )}
    </>
  );
}

/** A card of several contacts: one row each, with whether it brings a key. */
function ManyCards({ cards }: { cards: VcardPreview[] }) {
  const { t } = useTranslation();
  const others = cards.filter((c) => !c.isSelf);
  return (
    <>
      <ul className="member-list vcard-list">
        {others.slice(0, SHOWN).map((c) => (
          <li key={c.addr} className="member-row">
            <Avatar name={c.name || c.addr} seed={c.addr} size={32} />
            <span className="member-text">
              <span className="member-name">{c.name || c.addr}</span>
              <span className="member-addr">{c.addr}</span>
            </span>
            <span className={`vcard-badge ${c.fingerprint ? 'has-key' : 'no-key'}`}>
              <Icon name={c.fingerprint ? 'lock' : 'lockOff'} size={14} />
              {c.fingerprint ? t('vcard.badgeKey') : t('vcard.badgeNoKey')}
            </span>
          </li>
        ))}
      </ul>
      {others.length > SHOWN && (
        <p className="hint">{t('vcard.more', { count: others.length - SHOWN })}</p>
      )}
      <ul className="vcard-effects">
        <li>
          <Icon name="info" size={16} />
          <span>{t('vcard.addsContacts')}</span>
        </li>
        <li>
          <Icon name="lock" size={16} />
          <span>{t('vcard.keysMany')}</span>
        </li>
      </ul>
      <p className="vcard-unverified" role="note">
        <Icon name="info" size={18} />
        <span>{t('vcard.notVerifiedMany')}</span>
      </p>
    </>
  );
}
