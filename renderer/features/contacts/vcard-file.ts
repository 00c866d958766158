/**
 * vCard files in the page: checking what someone picked, dropped or pasted before the core sees
 * it (size first, before reading a byte), and saving a card as a .vcf download. The core parses
 * and validates the content itself; this only spares it (and the person) obvious junk.
 */
import { VCARD_MAX_LENGTH } from '../../../shared/api.ts';

/** Why a file or text cannot be a vCard we take. */
export type VcardProblem = 'tooBig' | 'notVcard' | 'unreadable';

/** The size of a file is known before it is read: anything larger is refused unread. */
export const VCARD_MAX_BYTES = VCARD_MAX_LENGTH;

/** Whether this text can go to the core as a vCard; null when it can. */
export function vcardTextProblem(text: string): VcardProblem | null {
  if (text.length > VCARD_MAX_LENGTH) return 'tooBig';
  // Binary data (a picture, an archive) and text without a card.
  if (text.includes('\u0000') || !/^BEGIN:VCARD\s*$/im.test(text)) return 'notVcard';
  return null;
}

/** Reads a picked or dropped file as vCard text, refusing a large one before reading it. */
export async function readVcardFile(
  file: Blob,
): Promise<{ text: string; problem: null } | { text: null; problem: VcardProblem }> {
  if (file.size > VCARD_MAX_BYTES) return { text: null, problem: 'tooBig' };
  let text: string;
  try {
    text = await file.text();
  } catch {
    return { text: null, problem: 'unreadable' };
  }
  const problem = vcardTextProblem(text);
  return problem ? { text: null, problem } : { text, problem: null };
}

/** The first file of a drop or paste that looks like a vCard, else the first file at all. */
export function firstVcardFile(files: FileList | null | undefined): File | null {
  const list = [...(files ?? [])];
  return (
    list.find((f) => /\.vcf$|\.vcard$/i.test(f.name) || /vcard/i.test(f.type)) ?? list[0] ?? null
  );
}

/** A file name from a person's name or address: no path, no control or reserved characters. */
export function vcardFileName(base: string): string {
  const cleaned = base
    .normalize('NFC')
    .replace(/[\p{Cc}<>:"/\\|?*]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .replace(/^[\s.]+|[\s.]+$/g, '')
    .slice(0, 60)
    .trim();
  return `${cleaned || 'contact'}.vcf`;
}

/**
 * Saves text as a download. The browser (and Electron, which asks where to save) writes the
 * file; the page never touches the disk.
 */
export function saveTextFile(fileName: string, text: string, type = 'text/vcard'): void {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken the data by the next turns of the event loop.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
