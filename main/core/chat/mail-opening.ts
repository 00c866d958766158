/**
 * The receive pipeline's side of chat/open-mail.ts: a batch's mails are opened in parallel
 * (chat/open-pool.ts) as soon as it arrives, and receive.ts takes the results in UID order. What
 * depends on earlier messages of the batch (which keys count as the sender's) is judged here, on
 * the main thread, with exactly the rules of crypto/signature.ts's judgeSignatures.
 */
import type { PrivateKey, PublicKey } from 'openpgp';
import type { AccountContext } from '../account/context.ts';
import { CoreError } from '../errors.ts';
import { mergeProtected, parseMail } from '../mime/parse.ts';
import type { ParsedMail } from '../mime/types.ts';
import type { SignatureOutcome } from '../crypto/pgp.ts';
import { decryptIncoming, openWithSecureJoinSecret } from '../securejoin/shared-secrets.ts';
import type { IncomingDecryption } from '../securejoin/shared-secrets.ts';
import { asBuffer, errorFrom, sameBytes } from './open-mail.ts';
import type { OpenJob, OpenedMail } from './open-mail.ts';
import { openPool } from './open-pool.ts';

/** A decrypted incoming message with its inner message merged into the outer one. */
export type OpenedDecryption = IncomingDecryption & { parsed: ParsedMail };

/** One mail of a batch, opened. */
export interface MailOpening {
  /** The outer message; throws what parseMail threw for it. */
  outer(): ParsedMail;
  /**
   * What decryptIncoming, parsing the inner message and mergeProtected together give, with the
   * signature judged against `expectedSignerKeys` (the keys that count as the sender's now).
   */
  decrypt(expectedSignerKeys: readonly PublicKey[]): Promise<OpenedDecryption>;
}

/**
 * Starts opening every mail of a batch. The promises resolve in any order; one rejects only
 * when opening itself broke (then the batch must fail and come again).
 */
export function openBatch(
  ctx: AccountContext,
  batch: readonly { source: Buffer }[],
): Promise<MailOpening>[] {
  const decryptionKeys = [bytesOf(ctx.keys.secret)];
  const jobs: OpenJob[] = batch.map((m) => ({ source: m.source, decryptionKeys, signerKeys: [] }));
  return openPool()
    .openAll(jobs)
    .map((p, i) => {
      const opening = p.then((opened) => {
        if (opened.crashed) throw errorFrom(opened.crashed);
        return new Opening(ctx, jobs[i]!, opened);
      });
      // Awaited in order later; an early failure must not count as unhandled meanwhile.
      opening.catch(() => {});
      return opening;
    });
}

class Opening implements MailOpening {
  private readonly ctx: AccountContext;
  private readonly job: OpenJob;
  private opened: OpenedMail;
  private readonly outerMail: ParsedMail | null;

  constructor(ctx: AccountContext, job: OpenJob, opened: OpenedMail) {
    this.ctx = ctx;
    this.job = job;
    this.opened = opened;
    this.outerMail = opened.outer ? revive(opened.outer) : null;
  }

  outer(): ParsedMail {
    if (this.opened.outerError) throw errorFrom(this.opened.outerError);
    if (!this.outerMail) throw new CoreError('internal', 'The message was not opened.');
    return this.outerMail;
  }

  async decrypt(expected: readonly PublicKey[]): Promise<OpenedDecryption> {
    const outer = this.outer();
    const armored = outer.encrypted?.armored;
    if (!armored) throw new CoreError('internal', 'The message is not encrypted.');
    const o = this.opened;
    if (o.decryptError) {
      // As decryptIncoming: when our key does not open it, a SecureJoin secret may.
      const error = errorFrom(o.decryptError);
      if (!(error instanceof CoreError) || error.code !== 'decrypt_failed') throw error;
      const opened = await openWithSecureJoinSecret(this.ctx, armored, expected);
      if (!opened) throw error;
      return {
        ...opened,
        parsed: mergeProtected(outer, await parseMail(Buffer.from(opened.data))),
      };
    }
    if (o.innerError) throw errorFrom(o.innerError);

    const expectedBytes = expected.map(bytesOf);
    let judged = judge(o, expectedBytes);
    if (!judged) {
      // An expected key was no candidate: check again with it (on this thread, one message).
      const [again] = openPool().openAll([{ ...this.job, signerKeys: expectedBytes }]);
      this.opened = (await again) ?? o;
      judged = judge(this.opened, expectedBytes);
    }
    const merged = this.opened.merged;
    if (!judged || !merged || !this.opened.data) {
      // Never expected; the one-thread path gives the same answer, slowly.
      const result = await decryptIncoming(this.ctx, { armored, expectedSignerKeys: expected });
      const inner = await parseMail(Buffer.from(result.data));
      return { ...result, parsed: mergeProtected(outer, inner) };
    }
    return { data: this.opened.data, ...judged, secret: null, parsed: revive(merged) };
  }
}

/**
 * judgeSignatures over the worker's checks: valid if a signature by an expected key verifies,
 * invalid if one by an expected key does not, other-key if only other keys signed. Null when the
 * checks cannot tell: an expected key was no candidate, or openpgp.js checked a signature with
 * another candidate than the first expected key holding its issuer key ID.
 *
 * One difference, on purpose: an other-key outcome names the signer only when the signature
 * verified with the key the message itself announces, so that opportunistic Autocrypt (which
 * trusts a message signed by the key it carries) never trusts a signature nobody checked.
 */
function judge(
  o: OpenedMail,
  expected: readonly Uint8Array[],
): { signature: SignatureOutcome; intendedRecipients: string[] } | null {
  const candidates = o.candidates ?? [];
  const indexes = expected.map((e) => candidates.findIndex((c) => sameBytes(c, e)));
  if (indexes.some((i) => i < 0)) return null;
  const signatures = o.signatures ?? [];
  if (signatures.length === 0) return { signature: { status: 'unsigned' }, intendedRecipients: [] };
  let invalid: { reason: string; recipients: string[] } | null = null;
  let other: { recipients: string[]; signer?: string } | null = null;
  for (const s of signatures) {
    // The first expected key holding the issuer key ID decides, as in judgeSignatures.
    const decider = indexes.find((i) => s.holders.includes(i));
    if (decider === undefined) {
      const byAnnounced =
        s.check && s.check.candidate === o.announced && s.check.ok ? s.check : null;
      if (!other || (!other.signer && byAnnounced)) {
        other = { recipients: s.intendedRecipients, signer: byAnnounced?.fingerprint };
      }
      continue;
    }
    if (!s.check || s.check.candidate !== decider) return null;
    if (s.check.ok) {
      return {
        signature: { status: 'valid', signerFingerprint: s.check.fingerprint },
        intendedRecipients: s.intendedRecipients,
      };
    }
    invalid ??= { reason: s.check.reason, recipients: s.intendedRecipients };
  }
  if (invalid) {
    return {
      signature: { status: 'invalid', reason: invalid.reason },
      intendedRecipients: invalid.recipients,
    };
  }
  return {
    signature: other?.signer
      ? { status: 'other-key', signerFingerprint: other.signer }
      : { status: 'other-key' },
    intendedRecipients: other?.recipients ?? [],
  };
}

/** Attachments come back from a worker as Uint8Arrays; the rest of the core wants Buffers. */
function revive(p: ParsedMail): ParsedMail {
  return { ...p, attachments: p.attachments.map((a) => ({ ...a, content: asBuffer(a.content) })) };
}

const keyBytes = new WeakMap<PublicKey | PrivateKey, Uint8Array>();

/** A key as binary packets, serialised once per key object. */
function bytesOf(key: PublicKey | PrivateKey): Uint8Array {
  let bytes = keyBytes.get(key);
  if (!bytes) {
    bytes = key.write();
    keyBytes.set(key, bytes);
  }
  return bytes;
}
