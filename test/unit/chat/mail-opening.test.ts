/**
 * Opening mail on worker threads (chat/open-mail.ts, chat/open-pool.ts) and judging the
 * signature on the main thread (chat/mail-opening.ts) gives what the one-thread path
 * (crypto/pgp.ts decryptAndVerify) gives, for the keys expected at that point of a batch.
 */
import type { PrivateKey, PublicKey } from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AccountContext } from '../../../main/core/account/context.ts';
import { formatAutocryptHeader } from '../../../main/core/crypto/autocrypt.ts';
import {
  generateAccountKey,
  keydataOf,
  readPrivateKey,
  readPublicKey,
} from '../../../main/core/crypto/keys.ts';
import { decryptAndVerify, encryptAndSign } from '../../../main/core/crypto/pgp.ts';
import { openBatch } from '../../../main/core/chat/mail-opening.ts';
import { OpenPool } from '../../../main/core/chat/open-pool.ts';
import { openMail } from '../../../main/core/chat/open-mail.ts';
import {
  composeEncryptedOuter,
  composeInner,
  newMessageId,
} from '../../../main/core/mime/compose.ts';

type Party = { addr: string; secret: PrivateKey; public: PublicKey; fingerprint: string };

async function party(addr: string): Promise<Party> {
  const key = await generateAccountKey(addr);
  const secret = await readPrivateKey(key.secretArmored);
  return {
    addr,
    secret,
    public: await readPublicKey(key.publicArmored),
    fingerprint: key.fingerprint,
  };
}

/** A chat message from `from` to `to`, announcing `announce`'s key, signed by `signer`. */
async function chatMail(
  from: Party,
  to: Party,
  opts: { announce?: Party; signer?: Party; text?: string } = {},
): Promise<{ raw: Buffer; armored: string }> {
  const date = new Date();
  const messageId = newMessageId();
  const announce = opts.announce ?? from;
  const inner = await composeInner(
    {
      from: { addr: from.addr },
      to: [{ addr: to.addr }],
      subject: 'Message',
      date,
      messageId,
      text: opts.text ?? 'hello',
      autocrypt: formatAutocryptHeader({ addr: from.addr, keydata: keydataOf(announce.public) }),
    },
    { protectedHeaders: true, outerDate: date },
  );
  const armored = await encryptAndSign({
    data: inner,
    encryptionKeys: [to.public],
    signingKey: (opts.signer ?? from).secret,
  });
  return {
    raw: await composeEncryptedOuter({ from: from.addr, messageId, date, armored }),
    armored,
  };
}

function contextOf(me: Party): AccountContext {
  // Only the key is used unless a SecureJoin secret is needed.
  return { keys: { secret: me.secret } } as unknown as AccountContext;
}

async function opened(me: Party, raw: Buffer, expected: PublicKey[]) {
  const [opening] = openBatch(contextOf(me), [{ source: raw }]);
  return (await opening!).decrypt(expected);
}

describe('opening mail off the main thread', () => {
  let alice: Party;
  let bob: Party;
  let mallory: Party;
  beforeAll(async () => {
    [alice, bob, mallory] = await Promise.all([
      party('alice@example.org'),
      party('bob@example.org'),
      party('mallory@example.org'),
    ]);
  });

  it('is valid when signed by the expected key, as decryptAndVerify says', async () => {
    const { raw, armored } = await chatMail(alice, bob, { text: 'hi bob' });
    const result = await opened(bob, raw, [alice.public]);
    const reference = await decryptAndVerify({
      armored,
      decryptionKeys: [bob.secret],
      expectedSignerKeys: [alice.public],
    });
    expect(result.signature).toEqual(reference.signature);
    expect(result.signature).toEqual({ status: 'valid', signerFingerprint: alice.fingerprint });
    expect(result.intendedRecipients).toEqual(reference.intendedRecipients);
    expect(result.parsed.text).toBe('hi bob');
    expect(result.secret).toBeNull();
  });

  it('names the signer of an unknown sender only when the announced key verifies it', async () => {
    const { raw } = await chatMail(alice, bob);
    const first = await opened(bob, raw, []);
    expect(first.signature).toEqual({ status: 'other-key', signerFingerprint: alice.fingerprint });
    // Mallory announces Alice's key but signs with her own: nobody's signature was checked.
    const forged = await chatMail(alice, bob, { signer: mallory });
    expect((await opened(bob, forged.raw, [])).signature).toEqual({ status: 'other-key' });
  });

  it('checks again with a key that was expected but not announced (a key change)', async () => {
    // Bob holds Mallory's key for Alice (say, from gossip); Alice's message announces her own.
    const { raw, armored } = await chatMail(alice, bob);
    const result = await opened(bob, raw, [mallory.public]);
    const reference = await decryptAndVerify({
      armored,
      decryptionKeys: [bob.secret],
      expectedSignerKeys: [mallory.public],
    });
    expect(result.signature.status).toBe(reference.signature.status);
    expect(result.signature.status).toBe('other-key');
    // With both keys expected, Alice's verifies.
    expect((await opened(bob, raw, [mallory.public, alice.public])).signature).toEqual({
      status: 'valid',
      signerFingerprint: alice.fingerprint,
    });
  });

  it('fails to decrypt with the sentence decryptAndVerify gives', async () => {
    const { raw, armored } = await chatMail(alice, mallory);
    const error = await opened(bob, raw, []).catch((e: unknown) => e);
    const reference = await decryptAndVerify({
      armored,
      decryptionKeys: [bob.secret],
      expectedSignerKeys: [],
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'decrypt_failed' });
    expect((error as Error).message).toBe((reference as Error).message);
  });

  it('gives the same results on worker threads as on the calling thread', async () => {
    const mails = await Promise.all(
      Array.from({ length: 20 }, (_, i) => chatMail(alice, bob, { text: `message ${i}` })),
    );
    const jobs = mails.map((m) => ({
      source: m.raw,
      decryptionKeys: [bob.secret.write()],
      signerKeys: [],
    }));
    const pool = new OpenPool(2);
    try {
      const pooled = await Promise.all(pool.openAll(jobs));
      const inline = await Promise.all(jobs.map((j) => openMail(j)));
      const summary = (o: (typeof inline)[number]) => ({
        text: o.merged?.text,
        from: o.merged?.from,
        announced: o.announced,
        signatures: o.signatures,
      });
      expect(pooled.map(summary)).toEqual(inline.map(summary));
      expect(pooled.map((o) => o.merged?.text)).toEqual(mails.map((_, i) => `message ${i}`));
    } finally {
      await pool.close();
    }
  });
});
