/** Turns any failure into the sentence the person sees. */
import { CoreCallError } from '../runtime/json-rpc-client.ts';
import { i18n } from '../i18n/i18n.ts';

export function errorSentence(error: unknown): string {
  if (error instanceof CoreCallError) {
    return error.code === 'link_lost' ? i18n.t('errors.linkLost') : error.message;
  }
  if (error instanceof Error && error.message) return error.message;
  return i18n.t('errors.unknown');
}
