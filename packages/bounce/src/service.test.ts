import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, type BounceRequest } from '@mailroom/global';
import type { ComposedNotice } from './compose.js';
import { handleBounce } from './service.js';
import type { SubmitResult } from './submit.js';
import { collect, header, parseEntity, tempQueueFile, testSettings } from './testing.js';

const MSG = 'From: <sender@example.com>\nSubject: hi\n\nbody\n';

/** harness - a logger writing to a file, and a submitter that keeps what it gets. */
function harness(results: SubmitResult[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-bounce-log-'));
  const file = path.join(dir, 'log');
  const log = createLogger({ service: 'bounce', file, sync: true });
  const got: { notice: ComposedNotice; text: string }[] = [];
  const submit = async (notice: ComposedNotice): Promise<SubmitResult> => {
    got.push({ notice, text: await collect(notice) });
    return results.shift() ?? { ok: true, queueId: `N${got.length}` };
  };
  const lines = (): string[] => fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => String((JSON.parse(l) as { msg: string }).msg));
  return { log, submit, got, lines, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function request(p: string, id: string, over: Partial<BounceRequest> = {}): BounceRequest {
  return {
    type: 'notify', kind: 'failure', queueId: id, path: p, sender: 'sender@example.com', arrivalTime: Date.now(),
    recipients: [{ address: 'rcpt@example.net', original: 'rcpt@example.net', action: 'failed', dsn: '5.1.1', reason: 'unknown user' }], ...over,
  };
}

test('ok with the notice ID after the notice is queued; logged as Postfix', async (t) => {
  const q = await tempQueueFile(MSG);
  const h = harness([{ ok: true, queueId: 'NOTICE1' }, { ok: true, queueId: 'COPY1' }]);
  t.after(() => { q.remove(); h.remove(); });
  const settings = testSettings({ notifyClasses: new Set(['bounce']) });
  const reply = await handleBounce(request(q.path, q.id), { settings, submit: h.submit, log: h.log });
  assert.deepEqual(reply, { type: 'notified', status: 'ok', noticeId: 'NOTICE1' });
  assert.equal(h.got.length, 2);
  assert.equal(h.got[0]?.notice.sender, '');
  assert.equal(h.got[0]?.notice.recipient, 'sender@example.com');
  assert.equal(h.got[1]?.notice.sender, 'double-bounce@mail.example.org');
  assert.equal(h.got[1]?.notice.recipient, 'postmaster');
  assert.equal(header(parseEntity(h.got[1]?.text ?? ''), 'subject'), 'Postmaster Copy: Undelivered Mail');
  const lines = h.lines();
  assert.ok(lines.includes(`${q.id}: sender non-delivery notification: NOTICE1`), lines.join('\n'));
  assert.ok(lines.includes(`${q.id}: postmaster non-delivery notification: COPY1`), lines.join('\n'));
});

test('defer when cleanup does not queue the sender notice; a failed postmaster copy only warns', async (t) => {
  const q = await tempQueueFile(MSG);
  const h = harness([{ ok: false, reason: 'cleanup service: connect ECONNREFUSED' }]);
  const h2 = harness([{ ok: true, queueId: 'N1' }, { ok: false, reason: 'cleanup deferred the notice' }]);
  t.after(() => { q.remove(); h.remove(); h2.remove(); });
  const settings = testSettings({ notifyClasses: new Set(['bounce']) });
  const r1 = await handleBounce(request(q.path, q.id), { settings, submit: h.submit, log: h.log });
  assert.equal(r1.status, 'defer');
  assert.match(r1.reason ?? '', /ECONNREFUSED/);
  assert.equal(h.got.length, 1, 'no postmaster copy after the sender notice failed');
  const r2 = await handleBounce(request(q.path, q.id), { settings, submit: h2.submit, log: h2.log });
  assert.deepEqual(r2, { type: 'notified', status: 'ok', noticeId: 'N1' });
  assert.ok(h2.lines().some((l) => l === `warning: ${q.id}: postmaster notice failed while bouncing to sender@example.com: cleanup deferred the notice`), h2.lines().join('\n'));
});

test('nothing to send is ok at once: NOTIFY=NEVER, double bounce', async (t) => {
  const q = await tempQueueFile(MSG);
  const h = harness([]);
  t.after(() => { q.remove(); h.remove(); });
  const settings = testSettings();
  const never = request(q.path, q.id, { recipients: [{ address: 'r@x', original: 'r@x', notify: 1, action: 'failed', dsn: '5.0.0', reason: 'no' }] });
  assert.deepEqual(await handleBounce(never, { settings, submit: h.submit, log: h.log }), { type: 'notified', status: 'ok', noticeId: undefined });
  const dbl = request(q.path, q.id, { sender: 'double-bounce@mail.example.org' });
  assert.equal((await handleBounce(dbl, { settings, submit: h.submit, log: h.log })).status, 'ok');
  assert.equal(h.got.length, 0);
  assert.ok(h.lines().includes(`warning: ${q.id}: undeliverable postmaster notification discarded`));
});

test('a bounce of a bounce goes to the postmaster from the double-bounce sender with the whole message', async (t) => {
  const q = await tempQueueFile(MSG, { sender: '' });
  const h = harness([]);
  t.after(() => { q.remove(); h.remove(); });
  const settings = testSettings({ notifyClasses: new Set(['2bounce']), twoBounceNoticeRecipient: 'admin@example.org' });
  const reply = await handleBounce(request(q.path, q.id, { sender: '' }), { settings, submit: h.submit, log: h.log });
  assert.equal(reply.status, 'ok');
  assert.equal(h.got.length, 1);
  assert.equal(h.got[0]?.notice.sender, 'double-bounce@mail.example.org');
  assert.equal(h.got[0]?.notice.recipient, 'admin@example.org');
  assert.match(h.got[0]?.text ?? '', /Content-Type: message\/rfc822\n\nReturn-Path: <MAILER-DAEMON>\nFrom: <sender@example.com>\nSubject: hi\n\nbody\n/);
  assert.ok(h.lines().includes(`${q.id}: postmaster non-delivery notification: N1`));
});

test('a malformed request is deferred with a warning, never served', async (t) => {
  const q = await tempQueueFile(MSG);
  const h = harness([]);
  t.after(() => { q.remove(); h.remove(); });
  const deps = { settings: testSettings(), submit: h.submit, log: h.log, queueDir: path.dirname(path.dirname(q.path)) };
  const cases: [Partial<BounceRequest>, RegExp][] = [
    [{ path: '/etc/passwd' }, /queue file outside the queue directory: \/etc\/passwd/],
    [{ path: `${deps.queueDir}/../../x` }, /outside the queue directory/],
    [{ queueId: 'A"B' }, /bad mail queue ID/],
  ];
  for (const [over, why] of cases) {
    const reply = await handleBounce(request(q.path, q.id, over), deps);
    assert.equal(reply.status, 'defer');
    assert.match(reply.reason ?? '', why);
  }
  assert.equal(h.got.length, 0);
  assert.equal((await handleBounce(request(q.path, q.id), deps)).status, 'ok', 'a path inside the queue directory is served');
  assert.equal(h.got.length, 1);
});
