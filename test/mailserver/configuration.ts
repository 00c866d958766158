// The configuration of Postfix and Dovecot and their TLS material, written into the server
// directory. Everything listens on 127.0.0.1 only, and only the test domain is deliverable.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ServerState } from './state.ts';

const execFileAsync = promisify(execFile);

/** Makes a private test CA and a server certificate signed by it in `tlsDir`. */
export async function makeCertificates(tlsDir: string, domain: string): Promise<void> {
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

/** Writes dovecot.conf, main.cf, master.cf and the recipient policy for these ports. */
export async function writeConfiguration(dir: string, info: ServerState['info']): Promise<void> {
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
