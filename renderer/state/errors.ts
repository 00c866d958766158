/** Turns any failure into the sentence the person sees, in the UI's language when it can. */
import { CoreCallError } from '../runtime/json-rpc-client.ts';
import { i18n } from '../i18n/i18n.ts';
import { coreSentenceText } from '../features/errors/core-sentence.ts';

export function errorSentence(error: unknown): string {
  if (error instanceof CoreCallError) {
    if (error.code === 'link_lost') return i18n.t('errors.linkLost');
    return coreSentenceText(i18n.t, error.detail, error.message, i18n.language);
  }
  if (error instanceof Error && error.message) return error.message;
  return i18n.t('errors.unknown');
}
