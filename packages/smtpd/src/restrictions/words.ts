/*
 * restrictions/words - how a restriction names what it refuses, as Postfix does:
 *   554 5.7.1 <unknown[192.0.2.1]>: Client host rejected: Access denied
 *   554 5.7.1 <a@example.com>: Sender address rejected: Access denied
 * and the text of HOLD/DISCARD/WARN notes. Used by every restriction implementation.
 */
import { reply, type Reply } from '../replies.js';
import type { CheckContext, CheckRequest, Stage, Subject } from './context.js';

/** subjectOf - what a restriction list at `stage` is about by default. */
export function subjectOf(stage: Stage): Subject {
  switch (stage) {
    case 'relay':
    case 'recipient':
      return 'recipient';
    default:
      return stage;
  }
}

const CATEGORY: Record<Subject, string> = {
  client: 'Client host',
  'reverse-client': 'Client host',
  helo: 'Helo command',
  sender: 'Sender address',
  recipient: 'Recipient address',
  data: 'Data command',
  'end-of-data': 'End-of-data',
};

/** category - `Client host`, `Sender address`... */
export function category(subject: Subject): string {
  return CATEGORY[subject];
}

/** what - the `<...>` part: client name[addr], HELO name, address, DATA or END-OF-MESSAGE. */
export function what(req: CheckRequest, subject: Subject): string {
  switch (subject) {
    case 'client':
      return `${req.client.name}[${req.client.addr}]`;
    case 'reverse-client':
      return `${req.client.reverseName}[${req.client.addr}]`;
    case 'helo':
      return req.helo ?? '';
    case 'sender':
      return req.sender ?? '';
    case 'recipient':
      return req.recipient ?? '';
    case 'data':
      return 'DATA';
    case 'end-of-data':
      return 'END-OF-MESSAGE';
  }
}

/** refusal - `<what>: Category rejected: text` with the given code and enhanced code. */
export function refusal(ctx: CheckContext, subject: Subject, code: number, dsn: string, text: string): Reply {
  return reply(code, dsn, `<${what(ctx.req, subject)}>: ${category(subject)} rejected: ${text}`);
}

/** noteText - `<what>: Category text` for HOLD, DISCARD, WARN and INFO log lines. */
export function noteText(ctx: CheckContext, subject: Subject, text: string): string {
  return `<${what(ctx.req, subject)}>: ${category(subject)} ${text}`;
}
