/**
 * SecureJoin v3's first two steps are encrypted with a password shared through the invite:
 * `securejoin/<inviter fingerprint>/<AUTH>` (PROTOCOL §8). This finds which of our secrets opens
 * such a message: the joins we run (joiner) and the invites we showed (inviter).
 */
import {
  PublicKeyEncryptedSessionKeyPacket,
  readMessage,
  SymEncryptedSessionKeyPacket,
} from 'openpgp';
import type { PublicKey } from 'openpgp';
import type { AccountContext } from '../account/context.ts';
import { CoreError } from '../errors.ts';
import { decryptAndVerify, decryptWithPassword } from '../crypto/pgp.ts';
import type { DecryptedMessage } from '../crypto/pgp.ts';
import { deltaChatProfile } from '../crypto/profile.ts';
import { InviteTokens } from './invite-tokens.ts';
import type { InviteToken } from './invite-tokens.ts';
import { Joins } from './joins.ts';
import type { Join } from './joins.ts';

/** The secret that opened a password-encrypted message, and whose it is. */
export type SecureJoinSecret =
  | { role: 'inviter'; invite: InviteToken; password: string }
  | { role: 'joiner'; join: Join; password: string };

/** A decrypted incoming message, and the SecureJoin secret when a password opened it. */
export type IncomingDecryption = DecryptedMessage & { secret: SecureJoinSecret | null };

/** The password of a v3 step: `securejoin/<inviter fingerprint>/<AUTH>`. */
export function secureJoinPassword(inviterFingerprint: string, auth: string): string {
  return `securejoin/${inviterFingerprint.toUpperCase()}/${auth}`;
}

/**
 * Decrypts an incoming message with our key; failing that, with our SecureJoin secrets. Throws
 * the key decryption's CoreError when neither opens it.
 */
export async function decryptIncoming(
  ctx: AccountContext,
  p: { armored: string; expectedSignerKeys: readonly PublicKey[] },
): Promise<IncomingDecryption> {
  try {
    const result = await decryptAndVerify({
      armored: p.armored,
      decryptionKeys: [ctx.keys.secret],
      expectedSignerKeys: p.expectedSignerKeys,
    });
    return { ...result, secret: null };
  } catch (e) {
    if (!(e instanceof CoreError) || e.code !== 'decrypt_failed') throw e;
    const opened = await openWithSecureJoinSecret(ctx, p.armored, p.expectedSignerKeys);
    if (!opened) throw e;
    return opened;
  }
}

/**
 * Opens a password-encrypted message with the first SecureJoin secret that fits, or returns null.
 * Only the plain Salted S2K is tried, as Delta Chat does: an expensive S2K would let anyone make
 * us spend CPU on every secret.
 */
export async function openWithSecureJoinSecret(
  ctx: AccountContext,
  armored: string,
  verificationKeys: readonly PublicKey[] = [],
): Promise<IncomingDecryption | null> {
  if (!(await isSaltedPasswordMessage(armored))) return null;
  const candidates: SecureJoinSecret[] = [
    ...new Joins(ctx.db).waitingForKey().map((join) => ({
      role: 'joiner' as const,
      join,
      password: secureJoinPassword(join.invite.fingerprint, join.invite.auth),
    })),
    ...new InviteTokens(ctx.db).all().map((invite) => ({
      role: 'inviter' as const,
      invite,
      password: secureJoinPassword(ctx.keys.fingerprint, invite.auth),
    })),
  ];
  for (const secret of candidates) {
    try {
      const result = await decryptWithPassword({
        armored,
        password: secret.password,
        verificationKeys,
      });
      return { ...result, secret };
    } catch (e) {
      if (e instanceof CoreError && e.code === 'decrypt_failed') continue;
      throw e;
    }
  }
  return null;
}

/** Whether the message is encrypted to passwords only, each with the plain Salted S2K. */
async function isSaltedPasswordMessage(armored: string): Promise<boolean> {
  try {
    const message = await readMessage({ armoredMessage: armored, config: deltaChatProfile });
    const sessionKeyPackets = message.packets.filter(
      (p) =>
        p instanceof SymEncryptedSessionKeyPacket ||
        p instanceof PublicKeyEncryptedSessionKeyPacket,
    );
    return (
      sessionKeyPackets.length > 0 &&
      sessionKeyPackets.every(
        (p) => p instanceof SymEncryptedSessionKeyPacket && s2kTypeOf(p) === 'salted',
      )
    );
  } catch {
    return false;
  }
}

function s2kTypeOf(packet: SymEncryptedSessionKeyPacket): string | undefined {
  // openpgp.js keeps the S2K specifier on the packet but does not declare it.
  return (packet as unknown as { s2k?: { type?: string } }).s2k?.type;
}
