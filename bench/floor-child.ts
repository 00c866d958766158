/**
 * The catch-up floor for Node, in a fresh process like the core's: a bare imapflow client fetches
 * every message of the INBOX (full source, one UID FETCH) and openpgp.js decrypts and verifies
 * each one, one after the other on one thread. Nothing is parsed beyond finding the armored
 * block and nothing is stored. Prints one JSON line: { n, fetchMs, totalMs, cpuSeconds }.
 * Usage: node bench/floor-child.ts <params.json>
 */
import { readFile } from 'node:fs/promises';
import { ImapFlow } from 'imapflow';
import { readPrivateKey, readPublicKey } from '../main/core/crypto/keys.ts';
import { decryptAndVerify } from '../main/core/crypto/pgp.ts';

export interface FloorParams {
  host: string;
  port: number;
  user: string;
  password: string;
  caPem: string;
  secretArmored: string;
  senderPublicArmored: string;
}

const ARMOR = /-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----/;

const params = JSON.parse(await readFile(process.argv[2] ?? '', 'utf8')) as FloorParams;
const secret = await readPrivateKey(params.secretArmored);
const sender = await readPublicKey(params.senderPublicArmored);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

const cpu0 = cpu();
const t0 = performance.now();
const client = new ImapFlow({
  host: params.host,
  port: params.port,
  secure: true,
  tls: { ca: [params.caPem] },
  auth: { user: params.user, pass: params.password },
  logger: false,
});
client.on('error', () => {});
await client.connect();
await client.mailboxOpen('INBOX');
const sources: Buffer[] = [];
for await (const row of client.fetch('1:*', { uid: true, source: true }, { uid: true })) {
  if (row.source) sources.push(row.source);
}
const fetchMs = performance.now() - t0;
let valid = 0;
for (const source of sources) {
  const armored = ARMOR.exec(source.toString('latin1'))?.[0];
  if (!armored) continue;
  const result = await decryptAndVerify({
    armored,
    decryptionKeys: [secret],
    expectedSignerKeys: [sender],
  });
  if (result.signature.status === 'valid') valid++;
}
const totalMs = performance.now() - t0;
const cpuSeconds = cpu() - cpu0;
await client.logout().catch(() => client.close());
process.stdout.write(
  `${JSON.stringify({ n: sources.length, valid, fetchMs, totalMs, cpuSeconds })}\n`,
);
