/*
 * testing - helpers of the bounce unit tests (and test/bounce): a small MIME reader
 * that takes a notice apart (headers unfolded, multipart split on its boundary),
 * settings with Postfix's defaults, and a throw-away queue file to bounce.
 * Not used by the daemon.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createSpool, QueueFileWriter, type QueueEnvelopeSpec, type QueueRecipientSpec } from '@mailroom/global';
import type { ComposedNotice } from './compose.js';
import type { BounceSettings } from './settings.js';

export interface Entity {
  /** Header fields, names lower-cased, values unfolded, in order. */
  headers: [string, string][];
  body: string;
}

/** header - the first value of a header field, or undefined. */
export function header(e: Entity, name: string): string | undefined {
  return e.headers.find(([n]) => n === name.toLowerCase())?.[1];
}

/** parseEntity - split header section and body; unfold continuation lines. */
export function parseEntity(text: string): Entity {
  const t = text.replace(/\r\n/g, '\n');
  const end = t.startsWith('\n') ? 0 : t.indexOf('\n\n');
  const head = end < 0 ? t : t.slice(0, end);
  const body = end < 0 ? '' : t.slice(end + (end === 0 ? 1 : 2));
  const headers: [string, string][] = [];
  for (const line of head.split('\n')) {
    if (line === '') continue;
    if (/^[ \t]/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1] as [string, string];
      last[1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`not a header line: ${line}`);
    headers.push([line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()]);
  }
  return { headers, body };
}

/** parseMultipart - the parts of a multipart entity (text between boundary lines). */
export function parseMultipart(e: Entity): Entity[] {
  const ct = header(e, 'content-type') ?? '';
  const m = /boundary="([^"]+)"/.exec(ct) ?? /boundary=([^;\s]+)/.exec(ct);
  if (!m) throw new Error(`no boundary in Content-Type: ${ct}`);
  const b = m[1] as string;
  const lines = e.body.split('\n');
  const parts: string[][] = [];
  let cur: string[] | undefined;
  let closed = false;
  for (const line of lines) {
    if (line === `--${b}--`) {
      if (cur) parts.push(cur);
      cur = undefined;
      closed = true;
      break;
    }
    if (line === `--${b}`) {
      if (cur) parts.push(cur);
      cur = [];
      continue;
    }
    cur?.push(line);
  }
  if (!closed) throw new Error('multipart without closing boundary');
  // Joined, the lines stop short of the line break before the boundary, which is the boundary's (RFC 2046).
  return parts.map((p) => parseEntity(p.join('\n')));
}

/** dsnGroups - the field groups of a message/delivery-status body: per message, then per recipient. */
export function dsnGroups(body: string): Map<string, string>[] {
  return body.split(/\n\n+/).filter((g) => g.trim() !== '').map((g) => new Map(parseEntity(`${g}\n\n`).headers));
}

/** collect - a composed notice as one string. */
export async function collect(n: ComposedNotice): Promise<string> {
  const parts: Buffer[] = [];
  for await (const p of n.content()) parts.push(p);
  return Buffer.concat(parts).toString('utf8');
}

/** testSettings - Postfix's defaults, host mail.example.org. */
export function testSettings(over: Partial<BounceSettings> = {}): BounceSettings {
  return {
    myhostname: 'mail.example.org', mailName: 'Mailroom', sizeLimit: 50000,
    notifyClasses: new Set(['resource', 'software']),
    bounceNoticeRecipient: 'postmaster', twoBounceNoticeRecipient: 'postmaster', delayNoticeRecipient: 'postmaster',
    doubleBounceAddress: 'double-bounce@mail.example.org', maxQueueLifetime: 5 * 86400, delayWarningTime: 4 * 3600,
    ...over,
  };
}

/** tempQueueFile - one committed queue file in a fresh spool; remove() deletes it all. */
export async function tempQueueFile(content: string | Buffer, env: Partial<QueueEnvelopeSpec> = {}, rcpts: QueueRecipientSpec[] = [{ address: 'rcpt@example.net' }]): Promise<{ path: string; id: string; remove: () => void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-bounce-'));
  const spool = createSpool(path.join(dir, 'spool'));
  const w = new QueueFileWriter(spool, { queue: 'active' });
  w.setEnvelope({ sender: 'sender@example.com', arrivalTime: 1_700_000_000_000, ...env });
  for (const r of rcpts) w.addRecipient(r);
  await w.writeContent(typeof content === 'string' ? Buffer.from(content) : content);
  await w.commit();
  return { path: w.path, id: w.id, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
