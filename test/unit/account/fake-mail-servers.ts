/**
 * Tiny IMAP and SMTP servers on 127.0.0.1 that speak just enough of each protocol for a login
 * check, so the error classification is tested against real sockets and real TLS, not mocks.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

export type KeyPair = { key: string; cert: string };

/** A throwaway self-signed certificate made by the openssl CLI for the given subjectAltName. */
export function makeSelfSignedCertificate(subjectAltName: string): KeyPair {
  const dir = mkdtempSync(join(tmpdir(), 'estafette-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=estafette-test',
        '-addext',
        `subjectAltName=${subjectAltName}`,
      ],
      { stdio: 'ignore' },
    );
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type FakeServer = {
  port: number;
  /** Every login attempt as "user:password", in order. */
  logins: string[];
  close: () => Promise<void>;
};

export type FakeServerOptions = {
  /** Accepted password (any user). */
  password: string;
  /** TLS from the first byte with this key pair. */
  implicitTls?: KeyPair;
  /** Advertise STARTTLS and upgrade with this key pair. */
  starttls?: KeyPair;
};

// `upgraded` is true after STARTTLS: the session goes on without a new greeting.
type Session = (socket: net.Socket, secure: boolean, upgraded: boolean) => void;

function lines(socket: net.Socket, onLine: (line: string) => void): () => void {
  let buffered = '';
  const onData = (chunk: Buffer): void => {
    buffered += chunk.toString('latin1');
    let end: number;
    while ((end = buffered.indexOf('\r\n')) >= 0) {
      const line = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      onLine(line);
    }
  };
  socket.on('data', onData);
  return () => socket.off('data', onData);
}

function upgrade(socket: net.Socket, keys: KeyPair, session: Session): void {
  const secure = new tls.TLSSocket(socket, { isServer: true, key: keys.key, cert: keys.cert });
  secure.on('error', () => secure.destroy());
  session(secure, true, true);
}

async function listen(options: FakeServerOptions, session: Session): Promise<FakeServer> {
  const sockets = new Set<net.Socket>();
  const track = (socket: net.Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // A client that rejects our certificate resets the connection; that is expected here.
    socket.on('error', () => socket.destroy());
  };
  const server = options.implicitTls
    ? tls.createServer({ key: options.implicitTls.key, cert: options.implicitTls.cert }, (s) =>
        session(s, true, false),
      )
    : net.createServer((s) => session(s, false, false));
  server.on('connection', track);
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    port: address.port,
    logins: [],
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function unquote(token: string): string {
  return token.startsWith('"') ? token.slice(1, -1).replace(/\\(.)/g, '$1') : token;
}

/** An IMAP server that knows CAPABILITY, STARTTLS, LOGIN, ID, NAMESPACE, NOOP and LOGOUT. */
export async function startFakeImap(options: FakeServerOptions): Promise<FakeServer> {
  let fake: FakeServer | null = null;
  const session: Session = (socket, secure, upgraded) => {
    const caps = (): string => `IMAP4rev1 ID${!secure && options.starttls ? ' STARTTLS' : ''}`;
    const send = (text: string): void => {
      if (!socket.destroyed) socket.write(`${text}\r\n`);
    };
    const stop = lines(socket, (line) => {
      const [tag = '*', rawCommand = '', ...args] = line.split(' ');
      const command = rawCommand.toUpperCase();
      if (command === 'CAPABILITY') {
        send(`* CAPABILITY ${caps()}`);
        send(`${tag} OK done`);
      } else if (command === 'STARTTLS' && options.starttls && !secure) {
        send(`${tag} OK Begin TLS negotiation now`);
        stop();
        upgrade(socket, options.starttls, session);
      } else if (command === 'LOGIN') {
        const match = /^\S+ LOGIN ("(?:[^"\\]|\\.)*"|\S+) ("(?:[^"\\]|\\.)*"|\S+)$/i.exec(line);
        const user = unquote(match?.[1] ?? '');
        const pass = unquote(match?.[2] ?? '');
        fake?.logins.push(`${user}:${pass}`);
        if (pass === options.password) {
          send(`${tag} OK [CAPABILITY IMAP4rev1 ID IDLE NAMESPACE MOVE] Logged in`);
        } else {
          send(`${tag} NO [AUTHENTICATIONFAILED] Authentication failed.`);
        }
      } else if (command === 'ID') {
        send('* ID ("name" "FakeIMAP" "version" "1.0")');
        send(`${tag} OK done`);
      } else if (command === 'NAMESPACE') {
        send('* NAMESPACE (("" "/")) NIL NIL');
        send(`${tag} OK done`);
      } else if (command === 'NOOP') {
        send(`${tag} OK done`);
      } else if (command === 'LOGOUT') {
        send('* BYE bye');
        send(`${tag} OK done`);
        socket.end();
      } else {
        send(`${tag} BAD unknown command ${args.length}`);
      }
    });
    if (!upgraded) send(`* OK [CAPABILITY ${caps()}] FakeIMAP ready`);
  };
  fake = await listen(options, session);
  return fake;
}

/** An SMTP server that knows EHLO, STARTTLS, AUTH PLAIN, NOOP, RSET and QUIT. */
export async function startFakeSmtp(options: FakeServerOptions): Promise<FakeServer> {
  let fake: FakeServer | null = null;
  const session: Session = (socket, secure, upgraded) => {
    const send = (text: string): void => {
      if (!socket.destroyed) socket.write(`${text}\r\n`);
    };
    let awaitingPlain = false;
    const checkPlain = (b64: string): void => {
      const [, user = '', pass = ''] = Buffer.from(b64, 'base64').toString('utf8').split('\0');
      fake?.logins.push(`${user}:${pass}`);
      send(pass === options.password ? '235 2.7.0 OK' : '535 5.7.8 Authentication failed');
    };
    const stop = lines(socket, (line) => {
      if (awaitingPlain) {
        awaitingPlain = false;
        checkPlain(line);
        return;
      }
      const [verb = '', ...args] = line.split(' ');
      const command = verb.toUpperCase();
      if (command === 'EHLO') {
        const ext = ['fake.test', 'PIPELINING', 'AUTH PLAIN'];
        if (!secure && options.starttls) ext.push('STARTTLS');
        ext.push('8BITMIME');
        send(ext.map((e, i) => `250${i === ext.length - 1 ? ' ' : '-'}${e}`).join('\r\n'));
      } else if (command === 'STARTTLS' && options.starttls && !secure) {
        send('220 2.0.0 Ready to start TLS');
        stop();
        upgrade(socket, options.starttls, session);
      } else if (command === 'AUTH' && args[0]?.toUpperCase() === 'PLAIN') {
        if (args[1]) checkPlain(args[1]);
        else {
          awaitingPlain = true;
          send('334 ');
        }
      } else if (command === 'NOOP' || command === 'RSET') {
        send('250 2.0.0 OK');
      } else if (command === 'QUIT') {
        send('221 2.0.0 Bye');
        socket.end();
      } else {
        send('502 5.5.2 Error: command not recognized');
      }
    });
    if (!upgraded) send('220 fake.test ESMTP');
  };
  fake = await listen(options, session);
  return fake;
}

/** A server that accepts connections and never says a word. */
export async function startSilentServer(): Promise<FakeServer> {
  return listen({ password: '' }, () => undefined);
}

/** A port on 127.0.0.1 that nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
