/* pickup begin: whose mail it is, and which of the file's claims cleanup hears. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type fs from 'node:fs';
import { CLEANUP_FLAG, type QueueFile } from '@mailroom/global';
import { buildBegin, PICKUP_FLAGS } from './begin.js';
import type { MaildropFile } from './file.js';
import { gecosName } from './owner.js';

const NOW = 1_700_000_000_000;

function file(uid: number, attributes: Record<string, string>, extra: Partial<QueueFile> = {}, mtimeMs = NOW - 1000): MaildropFile {
  const qf = {
    path: '/x', id: 'X', sender: 'alice', arrivalTime: 0, attributes, flags: 0, smtputf8: false,
    recipients: [{ address: 'bob@example.com', original: 'bob@example.com', done: false, offset: 0, notify: 10, orcpt: 'rfc822;bob@example.com' }],
    contentOffset: 0, contentSize: 42, fileSize: 100, mtime: mtimeMs, complete: true, ...extra,
  } satisfies QueueFile;
  return { id: 'ID1', path: '/x', fd: -1, fdPath: '/x', st: { uid, mtimeMs } as fs.Stats, qf, extract: (qf.flags & CLEANUP_FLAG.EXTRACT_RECIPIENTS) !== 0 };
}

test('the file owner is the submitter unless the owner is trusted', () => {
  const trusted = new Set([0]);
  const cases: [number, Record<string, string>, number, RegExp | undefined][] = [
    [1, { submit_uid: '1', submit_user: 'daemon' }, 1, undefined],
    [1, { submit_uid: '0', submit_user: 'root' }, 1, /ignoring submit_uid=0 of a file owned by uid 1/],
    [0, { submit_uid: '1', submit_user: 'daemon' }, 1, undefined],
    [0, {}, 0, undefined],
    [0, { submit_uid: 'x' }, 0, /ignoring submit_uid=x/],
  ];
  for (const [owner, attrs, want, warning] of cases) {
    const r = buildBegin(file(owner, attrs), trusted, NOW);
    assert.equal(r.user.uid, want, JSON.stringify([owner, attrs]));
    assert.equal(r.begin.attributes.submit_uid, String(want));
    assert.equal(r.begin.attributes.origin, 'local');
    if (warning) assert.ok(r.warnings.some((w) => warning.test(w)), r.warnings.join('; '));
    else assert.deepEqual(r.warnings, []);
  }
});

test('only known attributes with sane values reach cleanup', () => {
  const r = buildBegin(file(1, {
    rewrite_context: 'remote', trace_flags: '1024', notify_flags: '10', protocol: 'ESMTP', helo_name: 'client.example',
    body: '8BITMIME', client_address: '10.0.0.1', origin: 'smtp', helo: 'x', rewrite_ctx: 'y',
  }), new Set([0]), NOW);
  assert.deepEqual(r.begin.attributes, {
    origin: 'local', submit_uid: '1', submit_user: 'daemon', rewrite_context: 'remote', trace_flags: '1024',
    notify_flags: '10', protocol: 'ESMTP', helo_name: 'client.example',
  });
  assert.equal(r.begin.body, '8BITMIME');
  assert.equal(r.warnings.length, 4);
  assert.ok(r.warnings.some((w) => w.includes('ignoring attribute record: client_address=10.0.0.1')));
  const bad = buildBegin(file(1, { protocol: 'HTTP', helo_name: 'a b', body: '9BIT' }), new Set([0]), NOW);
  assert.deepEqual(Object.keys(bad.begin.attributes).sort(), ['origin', 'submit_uid', 'submit_user']);
  assert.equal(bad.warnings.length, 3);
});

test('envelope, flags and arrival time', () => {
  const r = buildBegin(file(1, {}, { envid: 'E1', ret: 2, senderFullname: 'Alice A', flags: CLEANUP_FLAG.EXTRACT_RECIPIENTS }), new Set([0]), NOW);
  assert.equal(r.begin.flags, PICKUP_FLAGS | CLEANUP_FLAG.EXTRACT_RECIPIENTS);
  assert.equal(r.begin.sender, 'alice');
  assert.deepEqual(r.begin.recipients, [{ address: 'bob@example.com', orcpt: 'rfc822;bob@example.com', notify: 10 }]);
  assert.equal(r.begin.envid, 'E1');
  assert.equal(r.begin.ret, 2);
  assert.equal(r.begin.senderFullname, 'Alice A');
  assert.equal(r.begin.arrivalTime, NOW - 1000);
  assert.equal(r.begin.sizeHint, 42);
  const future = buildBegin(file(1, {}, {}, NOW + 3 * 3600_000), new Set([0]), NOW);
  assert.equal(future.begin.arrivalTime, NOW);
  assert.match(future.warnings[0] ?? '', /dated 10800 seconds into the future/);
  const old = buildBegin(file(1, {}, {}, NOW - 3 * 86400_000), new Set([0]), NOW);
  assert.match(old.warnings[0] ?? '', /has been queued for 3 days/);
});

test('full names from GECOS', () => {
  const cases: [string, string, string][] = [
    ['Alice Liddell,Room 1,,', 'alice', 'Alice Liddell'],
    ['& Smith', 'bob', 'Bob Smith'],
    ['', 'x', ''],
  ];
  for (const [gecos, login, want] of cases) assert.equal(gecosName(gecos, login), want);
});

test('a queue file requeued by postsuper keeps its attributes, arrival time and done recipients', () => {
  const qf: Partial<QueueFile> = {
    arrivalTime: NOW - 3 * 86400_000,
    recipients: [
      { address: 'done@example.com', original: 'done@example.com', done: true, offset: 10 },
      { address: 'todo@example.com', original: 'todo@example.com', done: false, offset: 30 },
    ],
  };
  const attrs = { client_name: 'mx.example.org', client_address: '192.0.2.1', protocol: 'ESMTP', helo_name: 'mx.example.org' };
  const r = buildBegin(file(65534, attrs, qf, NOW), new Set([0, 65534]), NOW);
  assert.deepEqual(r.warnings, []);
  assert.equal(r.begin.attributes.client_address, '192.0.2.1');
  assert.equal(r.begin.attributes.client_name, 'mx.example.org');
  assert.equal(r.begin.attributes.origin, undefined, 'mail from the network is not a local submission');
  assert.equal(r.begin.flags & CLEANUP_FLAG.LOCAL_SUBMISSION, 0);
  assert.equal(r.begin.arrivalTime, NOW - 3 * 86400_000);
  assert.deepEqual(r.begin.recipients.map((x) => x.address), ['todo@example.com']);
  // the same file from an ordinary user: attributes are filtered as for any submission
  const user = buildBegin(file(1000, attrs, qf, NOW), new Set([0]), NOW);
  assert.equal(user.begin.attributes.client_address, undefined);
  assert.ok(user.warnings.some((w) => w.includes('ignoring attribute record: client_address=192.0.2.1')));
  assert.equal(user.begin.flags, PICKUP_FLAGS);
});
