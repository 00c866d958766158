// vitest globalSetup: one Postfix + Dovecot per test run, shared by every test file of the
// project; each test makes its own fresh users. Workers reach it through `mailServer()`.
import type { TestProject } from 'vitest/node';
import { startMailServer } from './server.ts';
import type { MailServerInfo } from './server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    mailServer: MailServerInfo;
  }
}

/** Starts the server, provides its info to the workers, and returns the teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  const server = await startMailServer();
  project.provide('mailServer', server.info);
  if (process.env.ESTAFETTE_MAILSERVER_VERBOSE) {
    console.log(`mailserver: ready in ${Date.now() - started} ms`, server.info.dir);
  }
  return async () => {
    const keep = process.env.ESTAFETTE_KEEP_MAILSERVER === '1';
    await server.teardown({ keep });
    if (keep) console.log(`mailserver: stopped; directory kept at ${server.info.dir}`);
  };
}
