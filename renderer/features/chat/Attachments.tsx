/** Attachments of a message: images as thumbnails (click for the full picture), files as chips. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Attachment } from '../../../shared/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { Icon } from '../../components/Icon.tsx';
import { formatSize } from '../../i18n/format.ts';
import { useApp, useRuntime } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { fetchBlobUrl, useBlobUrl } from './blob-url.ts';

function ImageAttachment({ accountId, attachment }: { accountId: number; attachment: Attachment }) {
  const { t } = useTranslation();
  const runtime = useRuntime();
  const { url, error } = useBlobUrl(runtime, accountId, attachment.blob);
  const [open, setOpen] = useState(false);
  if (error) return <FileAttachment accountId={accountId} attachment={attachment} />;
  return (
    <>
      <button
        type="button"
        className="thumbnail"
        aria-label={t('message.openImage', { name: attachment.filename })}
        onClick={() => setOpen(true)}
        disabled={!url}
      >
        {url ? (
          <img src={url} alt={attachment.filename} className="thumbnail-image" draggable={false} />
        ) : (
          <span
            className="thumbnail-loading"
            role="status"
            aria-label={t('message.imageLoading')}
          />
        )}
      </button>
      {open && url && (
        <Dialog
          title={attachment.filename}
          onClose={() => setOpen(false)}
          wide
          className="lightbox"
        >
          <img src={url} alt={attachment.filename} className="lightbox-image" />
          <div className="dialog-actions">
            <a className="button" href={url} download={attachment.filename}>
              <Icon name="download" size={16} /> {t('message.download')}
            </a>
          </div>
        </Dialog>
      )}
    </>
  );
}

function FileAttachment({ accountId, attachment }: { accountId: number; attachment: Attachment }) {
  const { t } = useTranslation();
  const app = useApp();
  const download = async () => {
    try {
      const url = await fetchBlobUrl(app.runtime, accountId, attachment.blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = attachment.filename;
      link.click();
    } catch (e) {
      app.toast(errorSentence(e));
    }
  };
  return (
    <button
      type="button"
      className="file-chip"
      onClick={() => void download()}
      title={t('message.download')}
    >
      <Icon name="file" size={22} />
      <span className="sr-only">{t('message.download')}</span>
      <span className="file-chip-text">
        <span className="file-chip-name">{attachment.filename}</span>
        <span className="file-chip-size">{formatSize(attachment.size)}</span>
      </span>
    </button>
  );
}

export function Attachments({
  accountId,
  attachments,
}: {
  accountId: number;
  attachments: readonly Attachment[];
}) {
  if (attachments.length === 0) return null;
  return (
    <div className="attachments">
      {attachments.map((a) =>
        a.isImage ? (
          <ImageAttachment key={a.id} accountId={accountId} attachment={a} />
        ) : (
          <FileAttachment key={a.id} accountId={accountId} attachment={a} />
        ),
      )}
    </div>
  );
}
