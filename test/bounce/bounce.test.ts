/*
 * End-to-end tests of the bounce daemon under master, with the real cleanup and
 * trivial-rewrite: a bounce request over private/bounce about a queue file written
 * with QueueFileWriter produces a notice in incoming/ from the null sender to the
 * original sender with the three RFC 3464 parts (and a postmaster copy from the
 * double-bounce sender when notify_classes has `bounce`); without cleanup the answer
 * is `defer`. No qmgr runs, so the notices stay in incoming/ to be looked at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  bounceReplyCodec, bounceRequestCodec, createSpool, ipcRequest, openContentStream, QueueFileWriter, readQueueFileSync,
  type BounceReply, type BounceRequest, type Spool,
} from '@mailroom/global';
import { dsnGroups, header, parseEntity, parseMultipart, type Entity } from '@mailroom/bounce/testing';
import { cleanup, isRoot, logMessages, makeInstance, ROOT, runMaster, waitFor, type Instance } from '../master/instance.js';

const ORIGINAL = 'From: Sender <sender@example.com>\nTo: <rcpt@example.net>\nSubject: lost mail\nMessage-ID: <orig1@example.com>\n\nThe body.\n';

const MAIN_CF = [
  `daemon_directory = ${path.join(ROOT, 'packages')}`,
  'myhostname = mail.example.org',
  'mydomain = example.org',
  'myorigin = $myhostname',
  'notify_classes = resource, software, bounce',
].join('\n');

/** start - an instance running the given master.cf services, and a queue file to bounce in active/. */
async function start(services: string[]): Promise<{ inst: Instance; spool: Spool; id: string; file: string }> {
  const inst = await makeInstance(MAIN_CF, () => services.join('\n'));
  const spool = createSpool(inst.spool);
  const w = new QueueFileWriter(spool, { queue: 'active' });
  w.setEnvelope({ sender: 'sender@example.com', arrivalTime: Date.now() - 60_000 });
  w.addRecipient({ address: 'rcpt@example.net', orcpt: 'rfc822;rcpt@example.net' });
  await w.writeContent(Buffer.from(ORIGINAL));
  await w.commit();
  if (isRoot) execFileSync('chown', ['-R', 'nobody', inst.spool]);
  await runMaster(inst);
  return { inst, spool, id: w.id, file: w.path };
}

function request(id: string, file: string): BounceRequest {
  return {
    type: 'notify', kind: 'failure', queueId: id, path: file, sender: 'sender@example.com', arrivalTime: Date.now() - 60_000,
    recipients: [{
      address: 'rcpt@example.net', original: 'rcpt@example.net', orcpt: 'rfc822;rcpt@example.net', action: 'failed', dsn: '5.1.1',
      reason: 'host mx.example.net[127.0.0.2] said: 550 5.1.1 <rcpt@example.net>: User unknown (in reply to RCPT TO command)',
      remoteMta: 'dns; mx.example.net',
    }],
  };
}

function ask(inst: Instance, req: BounceRequest): Promise<BounceReply> {
  return ipcRequest(path.join(inst.spool, 'private', 'bounce'), bounceRequestCodec, bounceReplyCodec, req, { timeoutMs: 30_000 });
}

async function content(spool: Spool, id: string): Promise<{ qf: ReturnType<typeof readQueueFileSync>; text: string }> {
  const qf = readQueueFileSync(spool.path('incoming', id));
  const parts: Buffer[] = [];
  for await (const c of openContentStream(qf) as AsyncIterable<Buffer>) parts.push(c);
  return { qf, text: Buffer.concat(parts).toString('utf8') };
}

test('a bounce request yields an RFC 3464 notice in incoming/, queued by cleanup, and a postmaster copy', async (t) => {
  const { inst, spool, id, file } = await start([
    'cleanup unix n - n - 0 cleanup',
    'rewrite unix - - n - - trivial-rewrite',
    'bounce unix - - n - 0 bounce',
  ]);
  t.after(() => cleanup(inst));
  const reply = await ask(inst, request(id, file));
  assert.equal(reply.status, 'ok', JSON.stringify(reply));
  const noticeId = reply.noticeId ?? '';
  assert.ok(noticeId, 'the notice ID is in the reply');

  const { qf, text } = await content(spool, noticeId);
  assert.equal(qf.sender, '', 'the notice comes from the null sender');
  assert.deepEqual(qf.recipients.map((r) => r.address), ['sender@example.com']);
  const top = parseEntity(text);
  assert.equal(header(top, 'subject'), 'Undelivered Mail Returned to Sender');
  assert.match(header(top, 'from') ?? '', /^MAILER-DAEMON@mail\.example\.org \(Mail Delivery System\)$/);
  assert.equal(header(top, 'auto-submitted'), 'auto-replied');
  assert.match(header(top, 'content-type') ?? '', /^multipart\/report; report-type=delivery-status;/);
  assert.ok(header(top, 'message-id'), 'cleanup gave the notice a Message-ID');
  const parts = parseMultipart(top);
  assert.deepEqual(parts.map((p) => (header(p, 'content-type') ?? '').split(';')[0]), ['text/plain', 'message/delivery-status', 'message/rfc822']);
  const [human, report, returned] = parts as [Entity, Entity, Entity];
  assert.match(human.body, /This is the mail system at host mail\.example\.org\./);
  assert.match(human.body, /<rcpt@example\.net>: host mx\.example\.net\[127\.0\.0\.2\] said: 550 5\.1\.1/);
  const [perMessage, perRcpt] = dsnGroups(report.body);
  assert.equal(perMessage?.get('x-mailroom-queue-id'), id);
  assert.equal(perRcpt?.get('final-recipient'), 'rfc822; rcpt@example.net');
  assert.equal(perRcpt?.get('status'), '5.1.1');
  assert.equal(perRcpt?.get('diagnostic-code'), 'smtp; 550 5.1.1 <rcpt@example.net>: User unknown');
  const inner = parseEntity(returned.body);
  assert.equal(header(inner, 'subject'), 'lost mail');
  assert.equal(inner.body, 'The body.\n');

  await waitFor('the log lines', () => logMessages(inst).some((l) => l.startsWith(`${id}: postmaster non-delivery notification: `)));
  const log = logMessages(inst);
  assert.ok(log.includes(`${id}: sender non-delivery notification: ${noticeId}`), log.join('\n'));
  const copyId = log.find((l) => l.startsWith(`${id}: postmaster non-delivery notification: `))?.split(': ').pop() ?? '';
  const copy = await content(spool, copyId);
  assert.equal(copy.qf.sender, 'double-bounce@mail.example.org');
  assert.match(copy.qf.recipients[0]?.address ?? '', /^postmaster(@mail\.example\.org)?$/);
  assert.equal(header(parseEntity(copy.text), 'subject'), 'Postmaster Copy: Undelivered Mail');
  assert.equal(header(parseMultipart(parseEntity(copy.text))[2] as Entity, 'content-type'), 'text/rfc822-headers');
  assert.equal(fs.readdirSync(path.join(inst.spool, 'incoming'), { recursive: true }).filter((f) => !fs.statSync(path.join(inst.spool, 'incoming', String(f))).isDirectory()).length, 2);
});

test('without cleanup the request is deferred and nothing is queued', async (t) => {
  const { inst, id, file } = await start(['bounce unix - - n - 0 bounce']);
  t.after(() => cleanup(inst));
  const reply = await ask(inst, request(id, file));
  assert.equal(reply.status, 'defer');
  assert.equal(reply.noticeId, undefined);
  assert.match(reply.reason ?? '', /cleanup/);
  assert.deepEqual(fs.readdirSync(path.join(inst.spool, 'incoming')).filter((f) => !fs.statSync(path.join(inst.spool, 'incoming', f)).isDirectory()), []);
});
