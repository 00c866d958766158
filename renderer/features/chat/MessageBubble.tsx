/**
 * One message: own messages on the right, theirs on the left; its time, encryption mark and
 * state tick; a failed message says why and offers Retry; a placeholder says what went wrong;
 * mail from ordinary clients keeps its quoted part folded.
 */
import { memo, useState } from 'react';
import type { TFunction } from 'i18next';
import { useTranslation } from 'react-i18next';
import type { Message } from '../../../shared/types.ts';
import { Icon } from '../../components/Icon.tsx';
import { Linkified } from '../../components/Linkified.tsx';
import { formatDateTime, formatTime } from '../../i18n/format.ts';
import { useApp, useRuntime } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { coreSentenceText } from '../errors/core-sentence.ts';
import { useContact } from '../contacts/contact-cache.ts';
import { Attachments } from './Attachments.tsx';
import { EncryptionMark } from './EncryptionMark.tsx';
import { MessageStateIcon } from './MessageStateIcon.tsx';
import { systemLineText } from './system-line.ts';

function Meta({ message }: { message: Message }) {
  return (
    <>
      <time
        dateTime={new Date(message.timestamp).toISOString()}
        title={formatDateTime(message.timestamp)}
      >
        {formatTime(message.timestamp)}
      </time>
      <EncryptionMark encryption={message.encryption} />
      {message.outgoing && <MessageStateIcon state={message.state} />}
    </>
  );
}

function SenderName({ accountId, contactId }: { accountId: number; contactId: number }) {
  const contact = useContact(useRuntime(), accountId, contactId);
  return <div className="sender-name">{contact?.displayName ?? '\u00a0'}</div>;
}

function QuotedPart({ text }: { text: string }) {
  const { t } = useTranslation();
  const [open, setOpen] = useState(false);
  return (
    <div className="quoted">
      <button
        type="button"
        className="link-button quoted-toggle"
        aria-expanded={open}
        onClick={() => setOpen(!open)}
      >
        {open ? t('message.hideQuoted') : t('message.showQuoted')}
      </button>
      {open && (
        <blockquote className="quoted-text">
          <Linkified text={text} />
        </blockquote>
      )}
    </div>
  );
}

/** A send that did not go through: failed for good, or waiting for the next automatic try. */
function sendProblem(message: Message): 'failed' | 'retrying' | null {
  if (!message.outgoing) return null;
  if (message.state === 'failed') return 'failed';
  if (message.state === 'pending' && message.error) return 'retrying';
  return null;
}

/** Why the message is not sent, or a placeholder, in the UI's language when the core said how. */
function errorText(message: Message, t: TFunction, language: string): string | null {
  if (message.error === null) return null;
  return coreSentenceText(t, message.errorInfo, message.error, language);
}

function RetryLine({ accountId, message }: { accountId: number; message: Message }) {
  const { t, i18n } = useTranslation();
  const app = useApp();
  const [busy, setBusy] = useState(false);
  const retry = async () => {
    setBusy(true);
    try {
      await app.runtime.call('retrySend', { accountId, messageId: message.id });
    } catch (e) {
      app.toast(errorSentence(e));
    } finally {
      setBusy(false);
    }
  };
  const problem = sendProblem(message);
  return (
    <div className={`failed-line ${problem === 'retrying' ? 'retrying' : ''}`}>
      <Icon name="warning" size={15} />
      <span>{errorText(message, t, i18n.language) ?? t('message.failedDefault')}</span>
      <button type="button" className="link-button" disabled={busy} onClick={() => void retry()}>
        {problem === 'retrying' ? t('message.retryNow') : t('message.retry')}
      </button>
    </div>
  );
}

export const MessageBubble = memo(function MessageBubble({
  accountId,
  message,
  showSender,
}: {
  accountId: number;
  message: Message;
  showSender: boolean;
}) {
  const { t, i18n } = useTranslation();
  if (message.kind === 'system') {
    // The core's line in the UI's language; its English text for codes this UI does not know.
    return (
      <div
        className="system-message"
        data-message-id={message.id}
        data-system-code={message.system?.code}
      >
        <Linkified text={systemLineText(t, message.system, message.text, i18n.language)} />
      </div>
    );
  }
  const side = message.outgoing ? 'own' : 'their';
  const placeholder = message.kind === 'placeholder';
  // The time floats over the end of the last text line, like in every chat app.
  const metaOverText = Boolean(message.text) && !placeholder && !message.quotedText;
  return (
    <div
      className={`message ${side} ${placeholder ? 'placeholder' : ''}`}
      data-message-id={message.id}
      data-state={message.state}
      data-send-problem={sendProblem(message) ?? undefined}
      data-encryption={message.encryption}
    >
      <div className="bubble">
        {showSender && !message.outgoing && (
          <SenderName accountId={accountId} contactId={message.fromId} />
        )}
        {placeholder ? (
          <div className="placeholder-body">
            <Icon name="warning" size={16} />
            <span>
              <strong>{t('message.placeholderTitle')}</strong>{' '}
              {errorText(message, t, i18n.language) ?? message.text}
            </span>
          </div>
        ) : (
          <>
            {message.classicEmail && message.subject && (
              <div className="subject">{message.subject}</div>
            )}
            <Attachments accountId={accountId} attachments={message.attachments} />
            {message.text && (
              <div className="text">
                <Linkified text={message.text} />
                {metaOverText && (
                  // Keeps room for the time on the last line; the real one floats over it.
                  <span className="meta-spacer" aria-hidden="true">
                    <Meta message={message} />
                  </span>
                )}
              </div>
            )}
            {message.quotedText && <QuotedPart text={message.quotedText} />}
          </>
        )}
        <span className={`meta ${metaOverText ? 'meta-over' : ''}`}>
          <Meta message={message} />
        </span>
      </div>
      {sendProblem(message) && <RetryLine accountId={accountId} message={message} />}
      {message.encryption === 'encrypted-unverified-sender' && !message.outgoing && (
        <div className="sender-warning" role="note">
          <Icon name="warning" size={15} />
          <span>
            {errorText(message, t, i18n.language) ?? t('encryption.messageUnverifiedSender')}
          </span>
        </div>
      )}
    </div>
  );
});
