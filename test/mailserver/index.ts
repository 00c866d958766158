// What test files import. Inside vitest, `mailServer()` is the one server the global setup
// started for this run; outside vitest (benchmarks, the web host's dev mode) call
// `startMailServer()` instead, preferably from './server.ts' so vitest is never loaded.
import { inject } from 'vitest';
import { mailServerFromInfo } from './server.ts';
import type { MailServer, MailServerInfo } from './server.ts';

export type { MailServer, MailServerInfo, StartOptions, TestUser } from './server.ts';
export {
  isRunning,
  mailServerFromInfo,
  openMailServer,
  startMailServer,
  stopMailServer,
} from './server.ts';

let current: MailServer | undefined;

/** The run's shared mail server, as provided by test/mailserver/global-setup.ts. */
export function mailServer(): MailServer {
  if (current) return current;
  const info = inject('mailServer') as MailServerInfo | undefined;
  if (!info) {
    throw new Error(
      'mailServer(): no server was provided; this test must run in a vitest project whose ' +
        'globalSetup is test/mailserver/global-setup.ts (integration, interop, e2e)',
    );
  }
  current = mailServerFromInfo(info);
  return current;
}
