/**
 * Writing a message: a text box that grows with its text (Enter sends, Shift+Enter breaks the
 * line), files attached by button, paste or drop (shown as chips, images with a preview), and
 * the draft kept per chat (saved a moment after typing stops).
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { ClipboardEvent, KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Message } from '../../../shared/types.ts';
import { Icon } from '../../components/Icon.tsx';
import { formatSize } from '../../i18n/format.ts';
import { useApp } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';

const DRAFT_DELAY_MS = 600;
const MAX_TOTAL_BYTES = 25_000_000;
const MAX_FILES = 10;

export interface PendingFile {
  id: number;
  file: File;
  preview: string | null;
}

let nextFileId = 1;

export function toPendingFiles(files: Iterable<File>): PendingFile[] {
  return [...files].map((file) => ({
    id: nextFileId++,
    file,
    preview: file.type.startsWith('image/') ? URL.createObjectURL(file) : null,
  }));
}

function readBase64(file: File): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      resolve(url.slice(url.indexOf(',') + 1));
    };
    reader.onerror = () => reject(reader.error ?? new Error('read failed'));
    reader.readAsDataURL(file);
  });
}

export function Composer({
  accountId,
  chatId,
  initialDraft,
  files,
  setFiles,
  onSent,
}: {
  accountId: number;
  chatId: number;
  initialDraft: string;
  files: readonly PendingFile[];
  setFiles: (change: (files: readonly PendingFile[]) => readonly PendingFile[]) => void;
  onSent: (message: Message) => void;
}) {
  const { t } = useTranslation();
  const app = useApp();
  const [text, setText] = useState(initialDraft);
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const textRef = useRef<HTMLTextAreaElement>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const savedDraft = useRef(initialDraft);
  const latest = useRef(text);
  latest.current = text;

  // Grow with the text up to a limit, then scroll inside.
  useLayoutEffect(() => {
    const box = textRef.current;
    if (!box) return;
    box.style.height = 'auto';
    box.style.height = `${Math.min(box.scrollHeight, 220)}px`;
  }, [text]);

  useEffect(() => {
    textRef.current?.focus();
  }, []);

  // Save the draft a moment after typing stops, and when the chat closes.
  useEffect(() => {
    if (text === savedDraft.current) return;
    const timer = setTimeout(() => {
      savedDraft.current = text;
      void app.saveDraft(accountId, chatId, text);
    }, DRAFT_DELAY_MS);
    return () => clearTimeout(timer);
  }, [app, accountId, chatId, text]);
  useEffect(
    () => () => {
      if (latest.current !== savedDraft.current) {
        void app.saveDraft(accountId, chatId, latest.current);
      }
    },
    [app, accountId, chatId],
  );

  const addFiles = (list: Iterable<File>) => {
    const added = toPendingFiles(list);
    if (added.length) setFiles((current) => [...current, ...added].slice(0, MAX_FILES));
  };

  const removeFile = (id: number) => {
    setFiles((current) => {
      const gone = current.find((f) => f.id === id);
      if (gone?.preview) URL.revokeObjectURL(gone.preview);
      return current.filter((f) => f.id !== id);
    });
    textRef.current?.focus();
  };

  const send = async () => {
    const body = text.trim();
    if ((!body && files.length === 0) || sending) return;
    const total = files.reduce((sum, f) => sum + f.file.size, 0);
    if (total > MAX_TOTAL_BYTES) {
      setError(t('composer.tooLarge', { size: formatSize(MAX_TOTAL_BYTES) }));
      return;
    }
    setSending(true);
    setError(null);
    try {
      const attachments = await Promise.all(
        files.map(async (f) => ({
          filename: f.file.name || 'file',
          contentType: f.file.type || 'application/octet-stream',
          dataBase64: await readBase64(f.file),
        })),
      );
      const message = await app.runtime.call('sendMessage', {
        accountId,
        chatId,
        text: body,
        ...(attachments.length ? { attachments } : {}),
      });
      for (const f of files) if (f.preview) URL.revokeObjectURL(f.preview);
      setFiles(() => []);
      setText('');
      savedDraft.current = '';
      latest.current = '';
      void app.saveDraft(accountId, chatId, '');
      onSent(message);
    } catch (e) {
      setError(errorSentence(e));
    } finally {
      setSending(false);
      textRef.current?.focus();
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void send();
    }
  };

  const onPaste = (e: ClipboardEvent<HTMLTextAreaElement>) => {
    if (e.clipboardData.files.length > 0) {
      e.preventDefault();
      addFiles(e.clipboardData.files);
    }
  };

  const canSend = (text.trim().length > 0 || files.length > 0) && !sending;

  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      {error && (
        <p className="composer-error error-text" role="alert">
          {error}
        </p>
      )}
      {files.length > 0 && (
        <ul className="attachment-chips" aria-label={t('composer.attachments')}>
          {files.map((f) => (
            <li key={f.id} className="attachment-chip">
              {f.preview ? (
                <img src={f.preview} alt="" className="attachment-chip-preview" />
              ) : (
                <Icon name="file" size={20} />
              )}
              <span className="attachment-chip-name">{f.file.name}</span>
              <span className="attachment-chip-size">{formatSize(f.file.size)}</span>
              <button
                type="button"
                className="icon-button small"
                aria-label={t('composer.removeAttachment', { name: f.file.name })}
                title={t('composer.removeAttachment', { name: f.file.name })}
                onClick={() => removeFile(f.id)}
              >
                <Icon name="close" size={14} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        <button
          type="button"
          className="icon-button"
          aria-label={t('composer.attach')}
          title={t('composer.attach')}
          onClick={() => fileRef.current?.click()}
        >
          <Icon name="attach" size={22} />
        </button>
        <input
          ref={fileRef}
          type="file"
          multiple
          hidden
          tabIndex={-1}
          aria-hidden="true"
          onChange={(e) => {
            if (e.target.files) addFiles(e.target.files);
            e.target.value = '';
          }}
        />
        <textarea
          ref={textRef}
          className="composer-input"
          rows={1}
          value={text}
          placeholder={t('composer.placeholder')}
          aria-label={t('composer.label')}
          aria-describedby="composer-hint"
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          onPaste={onPaste}
        />
        <span id="composer-hint" className="sr-only">
          {t('composer.hint')}
        </span>
        <button
          type="submit"
          className="send-button"
          disabled={!canSend}
          aria-label={t('composer.send')}
          title={t('composer.send')}
        >
          <Icon name="send" size={20} />
        </button>
      </div>
    </form>
  );
}
