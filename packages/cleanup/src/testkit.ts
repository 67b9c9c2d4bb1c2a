/*
 * testkit - what cleanup's tests share (not used by the daemon): a throw-away
 * configuration and spool, a fake trivial-rewrite (appends @$myorigin in the local
 * context, @$remote_header_rewrite_domain in the remote one), a log file to read back,
 * and submit(): one message through a CleanupSession, read back from the queue file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CLEANUP_FLAG, CLEANUP_FLAG_MASK_EXTERNAL, createLogger, createSpool, loadConfig, openContentStream, readQueueFileSync, type CleanupBegin, type CleanupDone, type Config,
  type BounceRequest, type Logger, type QueueFile, type Spool, type TableLog,
} from '@mailroom/global';
import { contextDecider } from './origin.js';
import { CleanupSession, type SessionDeps } from './session.js';
import { readSettings } from './settings.js';

export interface Kit {
  dir: string;
  config: Config;
  spool: Spool;
  log: Logger;
  deps: SessionDeps;
  /** Times qmgr was woken. */
  wakes: number;
  /** Requests the fake bounce daemon got, with the content of the file it was shown. */
  bounces: { req: BounceRequest; content: string }[];
  /** What the fake bounce daemon answers (default ok). */
  bounceStatus: 'ok' | 'defer';
  /** The `msg` of every log line so far. */
  logs(): string[];
  remove(): void;
}

/** fakeRewriter - trivial-rewrite's standard form, as far as the tests need it. */
export function fakeRewriter(config: Config): SessionDeps['rewriter'] {
  const origin = config.get('myorigin');
  const remote = config.get('remote_header_rewrite_domain');
  return {
    rewrite: async (rule, a) => {
      if (a === '' || a.includes('@')) return a;
      if (rule === 'local') return `${a}@${origin}`;
      return remote ? `${a}@${remote}` : a;
    },
  };
}

/**
 * cleanupKit - an instance with `mainCf` lines added (`@DIR@` stands for the temporary
 * directory) and `files` written into it (tables).
 */
export function cleanupKit(mainCf = '', files: Record<string, string> = {}): Kit {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-cleanup-'));
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text.replaceAll('@DIR@', dir));
  fs.mkdirSync(path.join(dir, 'etc'));
  const base = [
    `queue_directory = ${dir}/spool`,
    'myhostname = mail.example.com',
    'mydomain = example.com',
    'myorigin = example.com',
    'mydestination = example.com, localhost',
    'inet_interfaces = loopback-only',
    'mynetworks = 127.0.0.0/8',
  ];
  fs.writeFileSync(path.join(dir, 'etc', 'main.cf'), `${base.join('\n')}\n${mainCf.replaceAll('@DIR@', dir)}\n`);
  const config = loadConfig({ configDir: path.join(dir, 'etc') });
  const spool = createSpool(path.join(dir, 'spool'));
  const logFile = path.join(dir, 'maillog');
  const log = createLogger({ service: 'cleanup', file: logFile, sync: true });
  const tableLog: TableLog = { warn: (m) => log.warn(m), info: (m) => log.info(m) };
  const kit: Kit = {
    dir,
    config,
    spool,
    log,
    wakes: 0,
    bounces: [],
    bounceStatus: 'ok',
    deps: undefined as unknown as SessionDeps,
    logs: () =>
      fs.existsSync(logFile)
        ? fs.readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => String((JSON.parse(l) as { msg: unknown }).msg))
        : [],
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
  kit.deps = {
    settings: readSettings(config, tableLog),
    spool,
    rewriter: fakeRewriter(config),
    decideContext: contextDecider(config, log, tableLog),
    wakeup: { wake: () => void kit.wakes++ },
    bouncer: async (req) => {
      const qf = readQueueFileSync(req.path);
      const parts: Buffer[] = [];
      for await (const c of openContentStream(qf)) parts.push(c as Buffer);
      kit.bounces.push({ req, content: Buffer.concat(parts).toString() });
      return { type: 'notified', status: kit.bounceStatus, noticeId: kit.bounceStatus === 'ok' ? 'NOTICEID' : undefined };
    },
    log,
  };
  return kit;
}

/** A begin message with defaults: a remote ESMTP client, one recipient. */
export function beginOf(b: Partial<CleanupBegin> = {}): CleanupBegin {
  return {
    type: 'begin',
    flags: b.flags ?? 0,
    sender: b.sender ?? 'sender@example.org',
    recipients: b.recipients ?? [{ address: 'rcpt@example.com' }],
    arrivalTime: b.arrivalTime ?? 1_700_000_000_000,
    attributes: b.attributes ?? { client_name: 'mx.example.org', client_address: '192.0.2.1', helo_name: 'mx.example.org', protocol: 'ESMTP' },
    ...b,
  } as CleanupBegin;
}

export interface Submitted {
  done: CleanupDone;
  /** Where the file is: incoming, hold, or undefined when none was kept. */
  queue?: 'incoming' | 'hold';
  qf?: QueueFile;
  content?: string;
  /** Content headers (the part before the first empty line), CRLF turned into LF. */
  head?: string;
}

/** submit - one message through a session, in chunks of `chunk` bytes; read the result back. */
export async function submit(kit: Kit, begin: CleanupBegin, content: string | Buffer, chunk = 7): Promise<Submitted> {
  const s = new CleanupSession(kit.deps, begin);
  const buf = typeof content === 'string' ? Buffer.from(content) : content;
  for (let i = 0; i < buf.length; i += chunk) s.write(buf.subarray(i, i + chunk));
  const done = await s.finish();
  for (const queue of ['incoming', 'hold'] as const) {
    const file = kit.spool.path(queue, done.queueId);
    if (!fs.existsSync(file)) continue;
    const qf = readQueueFileSync(file);
    const parts: Buffer[] = [];
    for await (const c of openContentStream(qf)) parts.push(c as Buffer);
    const text = Buffer.concat(parts).toString('utf8');
    const head = text.replace(/\r\n/g, '\n').split('\n\n')[0];
    return { done, queue, qf, content: text, head };
  }
  return { done };
}

/** LOCAL - begin flags and attributes of a sendmail/pickup submission. */
export const LOCAL: Partial<CleanupBegin> = {
  flags: CLEANUP_FLAG.LOCAL_SUBMISSION | CLEANUP_FLAG_MASK_EXTERNAL,
  attributes: { submit_uid: '1000', submit_user: 'alice' },
};

/** EXTERNAL - begin flags of mail from an SMTP client. */
export const EXTERNAL = CLEANUP_FLAG_MASK_EXTERNAL;
