/**
 * The receive and send pipelines, loaded on first use. Connecting needs neither: MIME parsing
 * (mailparser), composing and SMTP (nodemailer), SecureJoin and groups are a third of the core's
 * start-up time and a fifth of its memory, so a core that starts loads them while IMAP connects
 * (or when the first mail arrives) instead of before.
 */
import type { AccountContext } from './context.ts';
import type { Composed } from '../chat/outgoing.ts';
import type * as Receive from '../chat/receive.ts';
import type * as Outgoing from '../chat/outgoing.ts';
import type * as Smtp from '../transport/smtp.ts';

type ReceiveModule = typeof Receive;
type OutgoingModule = typeof Outgoing;
type SmtpModule = typeof Smtp;

let receive: Promise<ReceiveModule> | null = null;
let outgoing: Promise<OutgoingModule> | null = null;
let smtpLoading: Promise<SmtpModule> | null = null;
let smtp: SmtpModule | null = null;

export function loadReceive(): Promise<ReceiveModule> {
  receive ??= import('../chat/receive.ts');
  return receive;
}

export async function loadSmtp(): Promise<SmtpModule> {
  smtpLoading ??= import('../transport/smtp.ts').then((m) => (smtp = m));
  return smtpLoading;
}

/** The SMTP module, once loadSmtp() resolved (the outbox runs only after that). */
export function smtpModule(): SmtpModule {
  if (!smtp) throw new Error('the SMTP module is not loaded yet');
  return smtp;
}

/** composeOutgoing, loaded on the first message to send. */
export async function composeOutgoing(ctx: AccountContext, messageId: number): Promise<Composed> {
  outgoing ??= import('../chat/outgoing.ts');
  return (await outgoing).composeOutgoing(ctx, messageId);
}
