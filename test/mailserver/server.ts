// A real Postfix + Dovecot pair on loopback, run from one private directory: configuration,
// TLS material, queue, mailboxes and logs all live there, nothing in /etc is read or changed,
// and nothing ever leaves the machine. Every operation works from the directory alone, so a
// test worker, the CLI and the global setup can all drive the same server.
//
// Layout of the directory:
//   server.json          MailServerInfo + owner process (for reaping abandoned servers)
//   tls/                 test CA and server certificate
//   dovecot/dovecot.conf, dovecot/users/<domain>/<local> (one passwd-file per user), run/
//   postfix/main.cf, master.cf, recipient-policy.sh, queue/, data/
//   mail/<domain>/<local>/Maildir
//   logs/                postfix.log, dovecot.log and the daemons' stdio
import { spawn, execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync } from 'node:fs';
import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';

const execFileAsync = promisify(execFile);

/** Everything a client needs to reach the server; plain data, passed from globalSetup to workers. */
export interface MailServerInfo {
  dir: string;
  host: '127.0.0.1';
  domain: string;
  ports: { imap: number; imaps: number; submission: number; smtps: number; inject: number };
  caCertPem: string;
}

export interface TestUser {
  address: string;
  password: string;
}

export interface MailServer {
  readonly info: MailServerInfo;
  /** Creates a mailbox (random `name-xxxxx` local part by default); resolves once Dovecot knows it. */
  addUser(localPart?: string): Promise<TestUser>;
  /** Delivers raw mail through the no-auth port; resolves once Postfix has delivered it. */
  inject(raw: string | Buffer, envelope: { from: string; to: string[] }): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Raw message files of the user's INBOX (Maildir new + cur), oldest first. */
  mailbox(address: string): Promise<{ file: string; raw: Buffer }[]>;
}

export interface StartOptions {
  /** Test mail domain; default `estafette.test`. */
  domain?: string;
  /** Pins ports to base+143, +993, +587, +465, +25; default `ESTAFETTE_MAIL_PORT_BASE` or random. */
  portBase?: number;
  /** Parent of the private directory; default the OS temp dir. */
  parentDir?: string;
  /**
   * The process whose death makes the server abandoned (reaped by the next start); null for a
   * server meant to outlive its starter, like the CLI's. Default: this process.
   */
  ownerPid?: number | null;
}

type PortName = keyof MailServerInfo['ports'];

const DEFAULT_DOMAIN = 'estafette.test';
const DIR_PREFIX = 'estafette-mail-';
const STANDARD_PORTS: Record<PortName, number> = {
  imap: 143,
  imaps: 993,
  submission: 587,
  smtps: 465,
  inject: 25,
};
// Below Linux's ephemeral range (32768+), so outgoing connections never take our ports while
// the server is down for a restart.
const RANDOM_PORT_MIN = 20000;
const RANDOM_PORT_MAX = 32700;
const POSTFIX_MASTER = '/usr/lib/postfix/sbin/master';
const DOVECOT = '/usr/sbin/dovecot';
const DOVEADM = '/usr/bin/doveadm';
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];

interface ServerState {
  info: Omit<MailServerInfo, 'caCertPem'>;
  ownerPid: number | null;
  ownerStart: string | null;
}

interface Accounts {
  vmail: { uid: number; gid: number };
  postfix: { uid: number; gid: number };
  dovecotGid: number;
  postdropGid: number;
}

/** Starts a fresh server in a new private directory; `teardown` stops it and deletes the directory. */
export async function startMailServer(
  options: StartOptions = {},
): Promise<MailServer & { teardown(options?: { keep?: boolean }): Promise<void> }> {
  await checkPrerequisites();
  await reapAbandonedServers(options.parentDir ?? tmpdir());
  const domain = (options.domain ?? DEFAULT_DOMAIN).toLowerCase();
  const envBase = process.env.ESTAFETTE_MAIL_PORT_BASE;
  const portBase = options.portBase ?? (envBase ? Number(envBase) : undefined);
  if (portBase !== undefined && !(Number.isInteger(portBase) && portBase > 0)) {
    throw new Error(`mailserver: port base must be a positive integer, got ${String(portBase)}`);
  }
  const dir = await mkdtemp(join(options.parentDir ?? tmpdir(), DIR_PREFIX));
  const ownerPid = options.ownerPid === undefined ? process.pid : options.ownerPid;
  try {
    await prepareDirectory(dir, domain, await cachedAccounts());
    // Random ports can lose a race with another process between the check and the daemons'
    // bind: then pick new ones. Pinned ports get one attempt.
    for (let attempt = 1; ; attempt++) {
      const ports = portBase !== undefined ? pinnedPorts(portBase) : await randomFreePorts();
      const state: ServerState = {
        info: { dir, host: '127.0.0.1', domain, ports },
        ownerPid,
        ownerStart: ownerPid === null ? null : await processStartTime(ownerPid),
      };
      await writeConfiguration(dir, state.info);
      await writeFile(join(dir, 'server.json'), JSON.stringify(state, null, 2) + '\n');
      try {
        await launch(dir);
        break;
      } catch (error) {
        await halt(dir).catch(() => undefined);
        if (portBase !== undefined || attempt >= 3 || !/in use/i.test(String(error))) throw error;
      }
    }
    return {
      ...(await openMailServer(dir)),
      async teardown(teardownOptions = {}) {
        await halt(dir);
        if (!teardownOptions.keep) {
          await rm(dir, { recursive: true, force: true });
          return;
        }
        // A kept directory is for a human to look at: the next start must not reap it.
        const state = JSON.parse(await readFile(join(dir, 'server.json'), 'utf8')) as ServerState;
        await writeFile(
          join(dir, 'server.json'),
          JSON.stringify({ ...state, ownerPid: null, ownerStart: null }, null, 2) + '\n',
        );
      },
    };
  } catch (error) {
    await halt(dir).catch(() => undefined);
    if (process.env.ESTAFETTE_KEEP_MAILSERVER !== '1')
      await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A handle on an existing server directory (running or not), e.g. from a test worker. */
export async function openMailServer(dir: string): Promise<MailServer> {
  return mailServerFromInfo(await readInfo(dir));
}

/** Reads the info of the server living in `dir`. */
export async function readInfo(dir: string): Promise<MailServerInfo> {
  const state = JSON.parse(await readFile(join(dir, 'server.json'), 'utf8')) as ServerState;
  const caCertPem = await readFile(join(dir, 'tls', 'ca.pem'), 'utf8');
  return { ...state.info, caCertPem };
}

/** A handle built from plain info (what vitest passes to workers); touches nothing until used. */
export function mailServerFromInfo(info: MailServerInfo): MailServer {
  const { dir } = info;
  return {
    info,
    addUser: (localPart) => addUser(info, localPart),
    inject: (raw, envelope) => injectMail(info, raw, envelope),
    async stop() {
      await halt(dir);
    },
    async start() {
      await launch(dir);
    },
    async restart() {
      await halt(dir);
      await launch(dir);
    },
    mailbox: (address) => readMailbox(info, address),
  };
}

/** Whether both daemons of the server in `dir` are running. */
export async function isRunning(dir: string): Promise<boolean> {
  const pids = await masterPids(dir);
  return pids.postfix !== null && pids.dovecot !== null;
}

// ---------------------------------------------------------------------------------------------
// Prerequisites and accounts

async function checkPrerequisites(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error('mailserver: Postfix and Dovecot must be started as root (run tests as root)');
  }
  for (const binary of [POSTFIX_MASTER, DOVECOT, DOVEADM, '/usr/bin/openssl']) {
    if (!(await exists(binary))) {
      throw new Error(`mailserver: ${binary} is missing; run: bash test/mailserver/install.sh`);
    }
  }
}

let accountsLookup: Promise<Accounts> | undefined;

// System accounts do not change while tests run; asking getent once per process is enough.
function cachedAccounts(): Promise<Accounts> {
  accountsLookup ??= lookUpAccounts().catch((error: unknown) => {
    accountsLookup = undefined;
    throw error;
  });
  return accountsLookup;
}

async function lookUpAccounts(): Promise<Accounts> {
  const passwd = await getent('passwd', ['vmail', 'postfix']);
  const group = await getent('group', ['vmail', 'dovecot', 'postdrop']);
  const user = (name: string) => {
    const fields = passwd.get(name);
    if (!fields)
      throw new Error(`mailserver: user ${name} is missing; run test/mailserver/install.sh`);
    return { uid: Number(fields[2]), gid: Number(fields[3]) };
  };
  const gid = (name: string) => {
    const fields = group.get(name);
    if (!fields)
      throw new Error(`mailserver: group ${name} is missing; run test/mailserver/install.sh`);
    return Number(fields[2]);
  };
  return {
    vmail: user('vmail'),
    postfix: user('postfix'),
    dovecotGid: gid('dovecot'),
    postdropGid: gid('postdrop'),
  };
}

async function getent(database: string, keys: string[]): Promise<Map<string, string[]>> {
  // getent exits 2 when a key is missing but still prints the others.
  const result = await execFileAsync('getent', [database, ...keys]).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  const entries = new Map<string, string[]>();
  for (const line of result.stdout.split('\n')) {
    const fields = line.split(':');
    if (fields[0]) entries.set(fields[0], fields);
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Directory, TLS and configuration

async function prepareDirectory(dir: string, domain: string, accounts: Accounts): Promise<void> {
  const { postfix, vmail } = accounts;
  // The daemons' unprivileged users (vmail, postfix, dovenull, nobody) must traverse it.
  await chmod(dir, 0o711);
  for (const sub of ['tls', 'logs', 'dovecot', 'dovecot/state', 'postfix']) {
    await mkdir(join(dir, sub), { mode: 0o755 });
  }
  await chmod(join(dir, 'tls'), 0o700);
  // One passwd-file per user, readable by Dovecot's auth process (group dovecot); the Postfix
  // recipient policy (user nobody) only tests whether a file exists.
  await mkdir(join(dir, 'dovecot', 'users', domain), { recursive: true, mode: 0o711 });
  await chmod(join(dir, 'dovecot', 'users'), 0o711);
  await mkdir(join(dir, 'mail'), { mode: 0o700 });
  await chown(join(dir, 'mail'), vmail.uid, vmail.gid);

  // The queue layout of /etc/postfix/postfix-files, created directly: Postfix's own
  // create-missing script costs a second per start.
  const queue = join(dir, 'postfix', 'queue');
  await mkdir(queue, { mode: 0o755 });
  await mkdir(join(queue, 'pid'), { mode: 0o755 });
  for (const name of [
    'active',
    'bounce',
    'corrupt',
    'defer',
    'deferred',
    'flush',
    'hold',
    'incoming',
    'private',
    'saved',
    'trace',
  ]) {
    await mkdirOwned(join(queue, name), 0o700, postfix.uid, postfix.gid);
  }
  await mkdirOwned(join(queue, 'maildrop'), 0o730, postfix.uid, accounts.postdropGid);
  await mkdirOwned(join(queue, 'public'), 0o710, postfix.uid, accounts.postdropGid);
  await mkdirOwned(join(dir, 'postfix', 'data'), 0o700, postfix.uid, postfix.gid);

  await makeCertificates(join(dir, 'tls'), domain);
}

async function mkdirOwned(path: string, mode: number, uid: number, gid: number): Promise<void> {
  await mkdir(path, { mode });
  await chown(path, uid, gid);
  await chmod(path, mode); // mkdir's mode is filtered by the umask
}

async function makeCertificates(tlsDir: string, domain: string): Promise<void> {
  const names = ['localhost', `mail.${domain}`, `imap.${domain}`, `smtp.${domain}`];
  const config = [
    '[req]',
    'distinguished_name = dn',
    'prompt = no',
    '[dn]',
    'CN = unused',
    '[ca_ext]',
    'basicConstraints = critical, CA:TRUE',
    'keyUsage = critical, keyCertSign, cRLSign',
    'subjectKeyIdentifier = hash',
    '[server_ext]',
    'basicConstraints = critical, CA:FALSE',
    'keyUsage = critical, digitalSignature',
    'extendedKeyUsage = serverAuth',
    `subjectAltName = IP:127.0.0.1, ${names.map((n) => `DNS:${n}`).join(', ')}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    '',
  ].join('\n');
  const configFile = join(tlsDir, 'openssl.cnf');
  await writeFile(configFile, config);
  // P-256 keys: generated in milliseconds, accepted by Node, rustls (Delta Chat) and OpenSSL.
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-noenc'];
  const tag = randomBytes(4).toString('hex');
  await execFileAsync('openssl', [
    ...['req', '-x509', '-config', configFile, '-extensions', 'ca_ext', ...key],
    ...['-keyout', join(tlsDir, 'ca.key'), '-out', join(tlsDir, 'ca.pem')],
    ...['-days', '3650', '-subj', `/O=Estafette test bed/CN=Estafette test CA ${tag}`],
  ]);
  await execFileAsync('openssl', [
    ...['req', '-x509', '-config', configFile, '-extensions', 'server_ext', ...key],
    ...['-CA', join(tlsDir, 'ca.pem'), '-CAkey', join(tlsDir, 'ca.key')],
    ...['-keyout', join(tlsDir, 'server.key'), '-out', join(tlsDir, 'server.pem')],
    ...['-days', '825', '-subj', `/O=Estafette test bed/CN=mail.${domain}`],
  ]);
}

function pinnedPorts(base: number): MailServerInfo['ports'] {
  const ports = { ...STANDARD_PORTS };
  for (const name of Object.keys(ports) as PortName[]) ports[name] += base;
  return ports;
}

async function randomFreePorts(): Promise<MailServerInfo['ports']> {
  const chosen = new Set<number>();
  const ports = { ...STANDARD_PORTS };
  for (const name of Object.keys(ports) as PortName[]) {
    for (;;) {
      const port =
        RANDOM_PORT_MIN + Math.floor(Math.random() * (RANDOM_PORT_MAX - RANDOM_PORT_MIN));
      if (!chosen.has(port) && (await portIsFree(port))) {
        chosen.add(port);
        ports[name] = port;
        break;
      }
    }
  }
  return ports;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      probe.close(() => resolve(true));
    });
  });
}

async function writeConfiguration(dir: string, info: ServerState['info']): Promise<void> {
  await writeFile(join(dir, 'dovecot', 'dovecot.conf'), dovecotConfig(dir, info));
  await writeFile(join(dir, 'postfix', 'main.cf'), postfixMainConfig(dir, info));
  await writeFile(join(dir, 'postfix', 'master.cf'), postfixMasterConfig(dir, info));
  // Postfix refuses to read a file modified in the current second (it might be half written)
  // and polls every 0.3 s until the clock moves on: date them back to start at once.
  const past = new Date(Date.now() - 60_000);
  for (const name of ['main.cf', 'master.cf']) {
    await utimes(join(dir, 'postfix', name), past, past);
  }
  const policy = join(dir, 'postfix', 'recipient-policy.sh');
  await writeFile(policy, recipientPolicyScript(dir, info.domain), { mode: 0o755 });
}

function dovecotConfig(dir: string, info: ServerState['info']): string {
  const run = join(dir, 'dovecot', 'run');
  const users = join(dir, 'dovecot', 'users');
  const { ports } = info;
  return `# Written by test/mailserver/server.ts; written when its directory is created.
instance_name = estafette-${dir.slice(dir.lastIndexOf('-') + 1)}
base_dir = ${run}
state_dir = ${join(dir, 'dovecot', 'state')}
protocols = imap lmtp
listen = 127.0.0.1
hostname = mail.${info.domain}
postmaster_address = postmaster@${info.domain}
log_path = ${join(dir, 'logs', 'dovecot.log')}
info_log_path = ${join(dir, 'logs', 'dovecot.log')}
first_valid_uid = 1

ssl = yes
ssl_cert = <${join(dir, 'tls', 'server.pem')}
ssl_key = <${join(dir, 'tls', 'server.key')}
ssl_min_protocol = TLSv1.2

# Tests log in wrong on purpose and many times from one address: no punishment for it.
auth_failure_delay = 0
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${users}/%d/%n
}
userdb {
  driver = passwd-file
  args = ${users}/%d/%n
  default_fields = uid=vmail gid=vmail home=${join(dir, 'mail')}/%d/%n
}

mail_location = maildir:~/Maildir
mail_fsync = never
mailbox_list_index = yes
mail_attribute_dict = file:%h/Maildir/dovecot-attributes
namespace inbox {
  inbox = yes
  mailbox Drafts {
    auto = subscribe
    special_use = \\Drafts
  }
  mailbox Sent {
    auto = subscribe
    special_use = \\Sent
  }
  mailbox Trash {
    auto = subscribe
    special_use = \\Trash
  }
  mailbox Junk {
    auto = subscribe
    special_use = \\Junk
  }
  mailbox Archive {
    auto = no
    special_use = \\Archive
  }
}

protocol imap {
  mail_max_userip_connections = 100
  imap_metadata = yes
}

service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${ports.imap}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${ports.imaps}
    ssl = yes
  }
  # One login process serves many connections: fewer forks while tests connect constantly.
  service_count = 0
  process_min_avail = 1
}
service imap {
  process_limit = 1000
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
  inet_listener pop3s {
    port = 0
  }
}
service lmtp {
  unix_listener lmtp-postfix {
    mode = 0600
    user = postfix
    group = postfix
  }
}
service auth {
  unix_listener auth-postfix {
    mode = 0600
    user = postfix
    group = postfix
  }
}
`;
}

function postfixMainConfig(dir: string, info: ServerState['info']): string {
  const nowhere = `error:5.7.1 the Estafette test server delivers only to ${info.domain}`;
  return `# Written by test/mailserver/server.ts.
compatibility_level = 3.6
queue_directory = ${join(dir, 'postfix', 'queue')}
data_directory = ${join(dir, 'postfix', 'data')}
maillog_file = ${join(dir, 'logs', 'postfix.log')}
maillog_file_prefixes = ${join(dir, 'logs')}
syslog_name = postfix-estafette

myhostname = mail.${info.domain}
mydomain = ${info.domain}
myorigin = $mydomain
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
biff = no

# Nothing ever leaves the machine: the test domain goes to Dovecot, everything else bounces.
relayhost =
relay_domains =
virtual_mailbox_domains = ${info.domain}
virtual_transport = lmtp:unix:${join(dir, 'dovecot', 'run', 'lmtp-postfix')}
default_transport = ${nowhere}
relay_transport = ${nowhere}
local_transport = ${nowhere}
smtp_dns_support_level = disabled
smtp_host_lookup = native
lmtp_host_lookup = native
smtpd_peername_lookup = no

message_size_limit = 104857600
mailbox_size_limit = 0
smtpd_recipient_limit = 1000

# Tests are not an attack: no tarpits, no connection limits, and quick retries after a restart.
smtpd_error_sleep_time = 0
smtpd_soft_error_limit = 1000
smtpd_hard_error_limit = 1000
smtpd_client_event_limit_exceptions = 127.0.0.0/8
in_flow_delay = 0
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s
delay_warning_time = 0

smtpd_banner = $myhostname ESMTP Estafette test server
disable_vrfy_command = yes
smtpd_tls_chain_files = ${join(dir, 'tls', 'server.key')}, ${join(dir, 'tls', 'server.pem')}
smtpd_tls_security_level = may
smtpd_tls_mandatory_protocols = >=TLSv1.2
smtpd_tls_protocols = >=TLSv1.2
smtpd_sasl_type = dovecot
smtpd_sasl_path = ${join(dir, 'dovecot', 'run', 'auth-postfix')}
smtpd_sasl_auth_enable = no
smtpd_sasl_security_options = noanonymous
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = check_policy_service unix:private/recipients
`;
}

function postfixMasterConfig(dir: string, info: ServerState['info']): string {
  const { ports } = info;
  const smtpd = (port: number, name: string, options: string[]) =>
    [`127.0.0.1:${port} inet n - n - - smtpd`, `-o syslog_name=postfix-estafette/${name}`]
      .concat(options.map((o) => `-o ${o}`))
      .join('\n  ');
  const auth = [
    'smtpd_sasl_auth_enable=yes',
    'smtpd_client_restrictions=permit_sasl_authenticated,reject',
    'smtpd_relay_restrictions=permit_sasl_authenticated,reject',
  ];
  return `# Written by test/mailserver/server.ts. No chroot; all sockets under the queue directory.
# service type private unpriv chroot wakeup maxproc command
${smtpd(ports.inject, 'inject', ['smtpd_tls_security_level=none', 'smtpd_relay_restrictions=reject_unauth_destination'])}
${smtpd(ports.submission, 'submission', ['smtpd_tls_security_level=encrypt', 'smtpd_tls_auth_only=yes', ...auth])}
${smtpd(ports.smtps, 'smtps', ['smtpd_tls_wrappermode=yes', ...auth])}
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
tlsmgr unix - - n 1000? 1 tlsmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
proxywrite unix - - n - 1 proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
lmtp unix - - n - - lmtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
recipients unix - n n - 0 spawn
  user=nobody argv=/bin/bash ${join(dir, 'postfix', 'recipient-policy.sh')}
`;
}

// Rejects unknown users of the test domain at RCPT time, as real providers do, by looking at
// the user files themselves: always current, unlike a Postfix lookup table a long-lived smtpd
// process has loaded before the user was added.
function recipientPolicyScript(dir: string, domain: string): string {
  return `#!/bin/bash
# Postfix policy service (spawned by master.cf). Written by test/mailserver/server.ts.
users=${join(dir, 'dovecot', 'users', domain)}
recipient=
while IFS= read -r line; do
  case "$line" in
    recipient=*) recipient="\${line#recipient=}" ;;
    '')
      address="\${recipient,,}"
      domain="\${address##*@}"
      local="\${address%@*}"
      local="\${local%%+*}"
      if [ "$domain" != '${domain}' ]; then
        echo 'action=DUNNO'
      elif [[ "$local" =~ ^[a-z0-9][a-z0-9._-]*$ ]] && [ -f "$users/$local" ]; then
        echo 'action=DUNNO'
      else
        echo "action=REJECT 5.1.1 <$recipient>: Recipient address rejected: User unknown"
      fi
      echo
      recipient=
      ;;
  esac
done
`;
}

// ---------------------------------------------------------------------------------------------
// Running the daemons

async function launch(dir: string): Promise<void> {
  const info = await readInfo(dir);
  const running = await masterPids(dir);
  if (running.postfix !== null && running.dovecot !== null) return;
  if (running.postfix !== null || running.dovecot !== null) await halt(dir);
  // Checked up front because Postfix, failing to bind, says nothing we can read (its log
  // daemon is not up yet) and takes two seconds to say it.
  for (const [name, port] of Object.entries(info.ports)) {
    if (!(await portIsFree(port))) {
      throw new Error(`mailserver: port ${port} (${name}) on 127.0.0.1 is already in use`);
    }
  }
  // Dovecot first would be tidier, but both start in parallel: Postfix only needs Dovecot's
  // sockets when the first message arrives, and it retries after a second if they are late.
  // allSettled: when one fails, the other must have finished starting before a cleanup
  // looks for processes to stop, or it would be left running.
  const results = await Promise.allSettled([
    runDaemon(dir, 'postfix', POSTFIX_MASTER, ['-c', join(dir, 'postfix'), '-w']),
    runDaemon(dir, 'dovecot', DOVECOT, ['-c', join(dir, 'dovecot', 'dovecot.conf')]),
  ]);
  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [String(result.reason)] : [],
  );
  if (failures.length > 0) throw new Error(failures.join('\n'));
  await Promise.all([
    waitForGreeting(info.ports.imap, '* OK'),
    waitForGreeting(info.ports.inject, '220 '),
    waitForGreeting(info.ports.submission, '220 '),
    waitForGreeting(info.ports.imaps, null),
    waitForGreeting(info.ports.smtps, null),
  ]);
}

// Both commands fork the real daemon and exit once it is listening (or has failed).
function runDaemon(dir: string, name: string, command: string, args: string[]): Promise<void> {
  const logFile = join(dir, 'logs', `${name}.stdio.log`);
  const fd = openSync(logFile, 'a');
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) {
        resolve();
        return;
      }
      void readFile(logFile, 'utf8').then((log) => {
        const tail = log.trim().split('\n').slice(-5).join('\n');
        reject(
          new Error(
            `mailserver: ${name} failed to start (exit ${code}); logs in ${join(dir, 'logs')}` +
              (tail ? `:\n${tail}` : ''),
          ),
        );
      });
    });
  });
}

async function waitForGreeting(port: number, greeting: string | null): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      let received = '';
      const done = (result: boolean) => {
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(3000, () => done(false));
      socket.once('error', () => done(false));
      socket.once('connect', () => {
        if (greeting === null) done(true);
      });
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (greeting !== null && received.includes('\n')) done(received.startsWith(greeting));
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mailserver: port ${port} never became ready`);
    await sleep(20);
  }
}

/** Stops both daemons and waits until every process of theirs is gone and the ports are free. */
async function halt(dir: string): Promise<void> {
  const pids = await masterPids(dir);
  const masters = [pids.postfix, pids.dovecot].filter((pid): pid is number => pid !== null);
  // Postfix's and Dovecot's masters each lead their own session; every child shares it.
  const members = await sessionMembers(masters);
  // SIGTERM is what `postfix stop` and `doveadm stop` send; both masters then end their children.
  for (const pid of masters) signal(pid, 'SIGTERM');
  const started = Date.now();
  const deadline = started + 10_000;
  let nudged = false;
  while (members.some(isAlive)) {
    // Dovecot's master asks its last helpers (log, anvil, config) to quit, then sleeps a full
    // second before looking again; ending them ourselves cuts that second off every stop.
    if (!nudged && Date.now() > started + 50) {
      nudged = true;
      for (const member of members.filter(isAlive)) {
        if (!masters.includes(member.pid)) signal(member.pid, 'SIGTERM');
      }
    }
    if (Date.now() > deadline) {
      for (const member of members.filter(isAlive)) signal(member.pid, 'SIGKILL');
      await sleep(100);
      break;
    }
    await sleep(15);
  }
  // Ports of daemons that were not running may well be someone else's: only wait for ours.
  const info = members.length > 0 ? await readInfo(dir).catch(() => null) : null;
  if (!info) return;
  for (const port of Object.values(info.ports)) {
    const portDeadline = Date.now() + 5_000;
    while (!(await portIsFree(port))) {
      if (Date.now() > portDeadline)
        throw new Error(`mailserver: port ${port} still busy after stop`);
      await sleep(20);
    }
  }
}

interface ProcessRef {
  pid: number;
  start: string;
}

async function masterPids(
  dir: string,
): Promise<{ postfix: number | null; dovecot: number | null }> {
  const read = async (file: string, expectedName: string) => {
    const text = await readFile(file, 'utf8').catch(() => '');
    const pid = Number.parseInt(text.trim(), 10);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    // A stale pid file may name an unrelated process by now.
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    return comm.trim() === expectedName ? pid : null;
  };
  const postfixArgs = [POSTFIX_MASTER, '-c', join(dir, 'postfix'), '-w'];
  const dovecotArgs = [DOVECOT, '-c', join(dir, 'dovecot', 'dovecot.conf')];
  const [postfix, dovecot] = await Promise.all([
    read(join(dir, 'postfix', 'queue', 'pid', 'master.pid'), 'master'),
    read(join(dir, 'dovecot', 'run', 'master.pid'), 'dovecot'),
  ]);
  if (postfix !== null && dovecot !== null) return { postfix, dovecot };
  // Pid files gone (a directory deleted under running daemons): the masters still carry the
  // exact command lines they were started with.
  const found = await processesByCommandLine([postfixArgs, dovecotArgs]);
  return { postfix: postfix ?? found[0] ?? null, dovecot: dovecot ?? found[1] ?? null };
}

async function processesByCommandLine(wanted: string[][]): Promise<(number | undefined)[]> {
  const keys = wanted.map((args) => args.join('\0'));
  const found: (number | undefined)[] = keys.map(() => undefined);
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const index = keys.indexOf(cmdline.replace(/\0$/, ''));
    if (index >= 0) found[index] = Number(entry);
  }
  return found;
}

async function sessionMembers(leaders: number[]): Promise<ProcessRef[]> {
  if (leaders.length === 0) return [];
  const members: ProcessRef[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = await statFields(Number(entry));
    // Fields after the command: [0] state, [1] ppid, [2] pgrp, [3] session, ..., [19] starttime.
    if (fields && leaders.includes(Number(fields[3])) && fields[19]) {
      members.push({ pid: Number(entry), start: fields[19] });
    }
  }
  return members;
}

async function statFields(pid: number): Promise<string[] | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (text === null) return null;
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

function isAlive(ref: ProcessRef): boolean {
  // Synchronous read keeps the polling loop simple; /proc reads never block.
  const text = readFileSyncSafe(`/proc/${ref.pid}/stat`);
  if (text === null) return false;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // A zombie has exited; its parent (a dying master) just has not reaped it yet.
  return fields[19] === ref.start && fields[0] !== 'Z';
}

async function processStartTime(pid: number): Promise<string | null> {
  const fields = await statFields(pid);
  return fields?.[19] ?? null;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

// Servers whose owner process died without tearing down (a killed test run) would otherwise
// keep running forever; the next start stops them and deletes their directories.
async function reapAbandonedServers(parent: string): Promise<void> {
  const entries = await readdir(parent).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(DIR_PREFIX)) continue;
    const dir = join(parent, entry);
    const state = await readFile(join(dir, 'server.json'), 'utf8')
      .then((text) => JSON.parse(text) as ServerState)
      .catch(() => null);
    if (!state || state.ownerPid === null) continue;
    if ((await processStartTime(state.ownerPid)) === state.ownerStart) continue;
    await halt(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Users, mail in, mail out

async function addUser(info: MailServerInfo, localPart?: string): Promise<TestUser> {
  const local = (localPart ?? randomLocalPart()).toLowerCase();
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(local) || local.length > 64) {
    throw new Error(`mailserver: unusable local part ${JSON.stringify(localPart)}`);
  }
  const address = `${local}@${info.domain}`;
  const file = join(info.dir, 'dovecot', 'users', info.domain, local);
  const existing = await readFile(file, 'utf8').catch(() => null);
  let password: string;
  if (existing !== null) {
    // Adding a user twice hands back the same account: handy from the CLI.
    password = existing.split(':')[1]?.replace('{PLAIN}', '') ?? '';
  } else {
    // base64url never contains ':', the passwd-file separator.
    password = randomBytes(12).toString('base64url');
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${address}:{PLAIN}${password}::::::\n`, { mode: 0o640 });
    const { dovecotGid } = await cachedAccounts();
    await chown(temporary, 0, dovecotGid);
    await rename(temporary, file);
  }
  if ((await masterPids(info.dir)).dovecot !== null) await waitUntilDovecotKnows(info, address);
  return { address, password };
}

function randomLocalPart(): string {
  const name = NAMES[Math.floor(Math.random() * NAMES.length)] ?? 'user';
  const suffix = Array.from(
    randomBytes(5),
    (byte) => 'abcdefghijkmnpqrstuvwxyz23456789'[byte % 32],
  ).join('');
  return `${name}-${suffix}`;
}

async function waitUntilDovecotKnows(info: MailServerInfo, address: string): Promise<void> {
  const config = join(info.dir, 'dovecot', 'dovecot.conf');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const known = await execFileAsync(DOVEADM, ['-c', config, 'user', '-f', 'uid', address]).then(
      () => true,
      () => false,
    );
    if (known) return;
    if (Date.now() > deadline) throw new Error(`mailserver: Dovecot does not know ${address}`);
    await sleep(50);
  }
}

async function injectMail(
  info: MailServerInfo,
  raw: string | Buffer,
  envelope: { from: string; to: string[] },
): Promise<void> {
  const transport = nodemailer.createTransport({
    host: info.host,
    port: info.ports.inject,
    secure: false,
    ignoreTLS: true,
    name: 'inject.localhost',
  });
  try {
    const result = (await transport.sendMail({ raw, envelope })) as {
      rejected?: unknown[];
      response?: string;
    };
    if (result.rejected && result.rejected.length > 0) {
      throw new Error(`mailserver: inject rejected ${JSON.stringify(result.rejected)}`);
    }
    const queueId = /queued as ([0-9A-Za-z]+)/.exec(result.response ?? '')?.[1];
    if (queueId) await waitForDelivery(info.dir, queueId);
  } finally {
    transport.close();
  }
}

// Postfix has answered "queued": the message is done once its queue file has left incoming/
// and active/ without landing in deferred/.
async function waitForDelivery(dir: string, queueId: string): Promise<void> {
  const queue = join(dir, 'postfix', 'queue');
  const deadline = Date.now() + 15_000;
  for (;;) {
    const pending =
      (await exists(join(queue, 'incoming', queueId))) ||
      (await exists(join(queue, 'active', queueId)));
    const deferred =
      (await exists(join(queue, 'deferred', queueId[0] ?? '', queueId))) ||
      (await exists(join(queue, 'deferred', queueId)));
    if (deferred) {
      const log = await readFile(join(dir, 'logs', 'postfix.log'), 'utf8').catch(() => '');
      const lines = log.split('\n').filter((line) => line.includes(`${queueId}:`));
      throw new Error(`mailserver: delivery of ${queueId} deferred:\n${lines.join('\n')}`);
    }
    if (!pending) return;
    if (Date.now() > deadline) throw new Error(`mailserver: delivery of ${queueId} timed out`);
    await sleep(5);
  }
}

async function readMailbox(
  info: MailServerInfo,
  address: string,
): Promise<{ file: string; raw: Buffer }[]> {
  const [local, domain] = address.toLowerCase().split('@');
  if (!local || domain !== info.domain || !/^[a-z0-9][a-z0-9._-]*$/.test(local)) {
    throw new Error(`mailserver: ${address} is not an address of ${info.domain}`);
  }
  const maildir = join(info.dir, 'mail', domain, local, 'Maildir');
  const files: { file: string; mtime: number; name: string }[] = [];
  for (const sub of ['new', 'cur']) {
    const names = await readdir(join(maildir, sub)).catch(() => [] as string[]);
    for (const name of names) {
      const file = join(maildir, sub, name);
      const stats = await stat(file).catch(() => null);
      // Dovecot may move new/ → cur/ between readdir and stat: the file shows up under cur/.
      if (stats?.isFile()) files.push({ file, mtime: stats.mtimeMs, name });
    }
  }
  // Maildir names start with the delivery time in seconds; mtime orders within a second.
  files.sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name));
  const result: { file: string; raw: Buffer }[] = [];
  for (const { file } of files) {
    const raw = await readFile(file).catch(() => null);
    if (raw) result.push({ file, raw });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function readFileSyncSafe(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
