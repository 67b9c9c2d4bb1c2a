/*
 * report: what showq lists, from a real spool written with the queue library: Postfix's
 * queue order, defer-log recipients first with their reasons, delivered recipients
 * left out, the null sender and quoted local parts, the forced-expire bit; corrupt and
 * incomplete files skipped (corrupt ones with a warning), never fatal; and the stream
 * writer's framing, read back with the protocol's reader.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import {
  appendStatus, createLogger, createSpool, markRecipientDone, QueueFileWriter, readQueueFileSync, readShowq, type Logger, type QueueName, type ShowqMessage, type Spool,
} from '@mailroom/global';
import { writeListing } from './listing.js';
import { queueReport, type ReportSettings } from './report.js';

const SETTINGS: ReportSettings = { emptyAddress: 'MAILER-DAEMON', dupFilterLimit: 1000 };

/** capture - a logger writing to a temporary file, and the messages logged so far. */
function capture(): { log: Logger; lines: () => string[] } {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-showq-log-')), 'log');
  const log = createLogger({ service: 'showq', file, sync: true });
  const lines = (): string[] => {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    return text.split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { msg: string }).msg);
  };
  return { log, lines };
}

async function write(spool: Spool, queue: QueueName, sender: string, rcpts: string[], content = 'Subject: x\n\nbody\n'): Promise<{ id: string; path: string }> {
  const w = new QueueFileWriter(spool, { queue });
  w.setEnvelope({ sender, arrivalTime: 1_700_000_000_500 });
  for (const address of rcpts) w.addRecipient({ address });
  await w.writeContent(Buffer.from(content));
  await w.commit();
  return { id: w.id, path: spool.path(queue, w.id) };
}

async function withSpool(fn: (spool: Spool) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-showq-'));
  try {
    await fn(createSpool(path.join(dir, 'spool')));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function collect(spool: Spool, log: Logger): Promise<ShowqMessage[]> {
  const out: ShowqMessage[] = [];
  for await (const m of queueReport(spool, SETTINGS, log)) out.push(m);
  return out;
}

test('showq lists maildrop, active, incoming, deferred, hold with reasons from the defer log', () =>
  withSpool(async (spool) => {
    const held = await write(spool, 'hold', '', ['held@example.net']);
    const def = await write(spool, 'deferred', 'alice@example.org', ['a@example.net', 'b@example.net', 'c@example.net'], 'Subject: y\n\n12345\n');
    const inc = await write(spool, 'incoming', 'john doe@example.org', ['x@example.com']);
    const act = await write(spool, 'active', 'bob@example.org', ['y@example.com']);
    const drop = await write(spool, 'maildrop', 'carol', ['z@example.com']);
    // b was delivered; a and c were deferred (a twice: the log keeps the last record).
    const qfOffsets = readQueueFileSync(def.path).recipients.map((r) => r.offset);
    await markRecipientDone(def.path, qfOffsets[1] as number);
    const rec = (recipient: string, offset: number, reason: string) =>
      ({ recipient, original: recipient, offset, dsn: '4.4.1', action: 'delayed' as const, reason, time: 1 });
    await appendStatus(spool, 'defer', def.id, [
      rec('c@example.net', qfOffsets[2] as number, 'connect to mx.example.net[192.0.2.1]:25: Connection refused'),
      rec('a@example.net', qfOffsets[0] as number, 'old reason'),
      rec('a@example.net', qfOffsets[0] as number, 'host mx.example.net said: 451 try\nlater'),
    ]);
    fs.chmodSync(held.path, 0o710); // postsuper -e: forced to expire

    const { log, lines } = capture();
    const got = await collect(spool, log);
    assert.deepEqual(got.map((m) => [m.queue_name, m.queue_id]), [
      ['maildrop', drop.id], ['active', act.id], ['incoming', inc.id], ['deferred', def.id], ['hold', held.id],
    ]);
    const d = got[3] as ShowqMessage;
    assert.deepEqual(d.recipients, [
      { address: 'c@example.net', delay_reason: 'connect to mx.example.net[192.0.2.1]:25: Connection refused' },
      { address: 'a@example.net', delay_reason: 'host mx.example.net said: 451 try later' },
    ]);
    assert.equal(d.arrival_time, 1_700_000_000);
    assert.equal(d.message_size, 'Subject: y\n\n12345\n'.length);
    assert.equal(d.sender, 'alice@example.org');
    assert.equal((got[2] as ShowqMessage).sender, '"john doe"@example.org');
    assert.equal((got[4] as ShowqMessage).sender, 'MAILER-DAEMON');
    assert.equal((got[4] as ShowqMessage).forced_expire, true);
    assert.equal(d.forced_expire, false);
    assert.deepEqual(lines(), []);
  }));

test('corrupt and incomplete files are skipped; corrupt ones with a warning', () =>
  withSpool(async (spool) => {
    const good = await write(spool, 'incoming', 'a@example.org', ['b@example.net']);
    const bad = path.join(spool.queuePath('incoming'), '4dVb7m3Xk9z1B');
    fs.writeFileSync(bad, 'garbage that is no queue file', { mode: 0o700 });
    fs.writeFileSync(path.join(spool.queuePath('incoming'), '4dVb7m3Xk9z1C'), 'being written', { mode: 0o600 });
    const { log, lines } = capture();
    const got = await collect(spool, log);
    assert.deepEqual(got.map((m) => m.queue_id), [good.id]);
    const logged = lines();
    assert.equal(logged.length, 1);
    assert.match(logged[0] as string, /^warning: incoming\/4dVb7m3Xk9z1B: .* -- skipping this file$/);
    assert.ok(fs.existsSync(bad), 'a listing never moves files');
  }));

test('writeListing frames every message and an end record; readShowq reads them back', () =>
  withSpool(async (spool) => {
    for (let i = 0; i < 300; i++) await write(spool, 'incoming', `s${i}@example.org`, [`r${i}@example.net`]);
    const pipe = new PassThrough({ highWaterMark: 1024 });
    const seen: string[] = [];
    const reading = readShowq(pipe, (m) => seen.push(m.sender));
    const { log, lines } = capture();
    const sent = await writeListing(pipe, spool, SETTINGS, log);
    assert.deepEqual(lines(), []);
    pipe.end();
    assert.equal(sent, 300);
    assert.equal(await reading, 300);
    assert.equal(seen.length, 300);
    assert.equal(new Set(seen).size, 300);
  }));

test('readShowq rejects a stream cut before its end record', async () => {
  const pipe = new PassThrough();
  const reading = readShowq(pipe, () => {});
  pipe.end('{"t":"message","queue_name":"incoming","queue_id":"A1","arrival_time":1,"message_size":1,"forced_expire":false,"sender":"a","recipients":[]}\n');
  await assert.rejects(reading, /ended before its end record/);
});
