#!/usr/bin/env bash
# Installs what the test mail server (test/mailserver/server.ts) runs: Postfix, Dovecot (IMAP +
# LMTP) and openssl from Debian, plus the vmail user that owns the test mailboxes.
# Idempotent and quick when everything is already there. Never configures or starts the system
# copies of the daemons: the test bed runs its own instances from a private directory.
set -euo pipefail

packages=(postfix dovecot-imapd dovecot-lmtpd openssl)
# The binaries the test bed calls, one per package above.
binaries=(/usr/sbin/postfix /usr/sbin/dovecot /usr/lib/dovecot/lmtp /usr/bin/openssl)

missing=()
for i in "${!packages[@]}"; do
  if [ ! -x "${binaries[$i]}" ]; then
    missing+=("${packages[$i]}")
  fi
done

need_vmail=0
if ! getent group vmail >/dev/null || ! getent passwd vmail >/dev/null; then
  need_vmail=1
fi

if [ "${#missing[@]}" -eq 0 ] && [ "$need_vmail" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if [ "${#missing[@]}" -gt 0 ]; then
    echo "mailserver: missing packages; as root run: apt-get install --no-install-recommends ${missing[*]}" >&2
  fi
  if [ "$need_vmail" -eq 1 ]; then
    echo "mailserver: missing user; as root run: groupadd --system vmail && useradd --system --gid vmail --no-create-home --shell /usr/sbin/nologin vmail" >&2
  fi
  exit 1
fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "mailserver: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Postfix's package asks how to configure the system instance; the answer is "not at all".
  echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections
  echo 'postfix postfix/mailname string localhost' | debconf-set-selections

  # Keep the system daemons from starting on 25/143/993 during the install. A container may
  # already ship such a policy: then leave it exactly as it is.
  policy=/usr/sbin/policy-rc.d
  own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
  fi
  log=$(mktemp)
  cleanup() {
    if [ "$own_policy" -eq 1 ]; then rm -f "$policy"; fi
    rm -f "$log"
  }
  trap cleanup EXIT

  install_packages() {
    apt-get install -y -q --no-install-recommends "${missing[@]}" >"$log" 2>&1
  }
  # Package lists may be absent or stale (a mirror drops old versions): refresh only then.
  if ! install_packages; then
    echo "mailserver: apt-get install failed, refreshing package lists and retrying"
    apt-get update -q >"$log" 2>&1 || { cat "$log" >&2; exit 1; }
    if ! install_packages; then
      cat "$log" >&2
      exit 1
    fi
  fi
  cleanup
  trap - EXIT
fi

if ! getent group vmail >/dev/null; then
  groupadd --system vmail
fi
if ! getent passwd vmail >/dev/null; then
  useradd --system --gid vmail --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin vmail
fi
echo "mailserver: ready"
