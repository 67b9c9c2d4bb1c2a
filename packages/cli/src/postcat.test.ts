import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createSpool, installDir, markRecipientDone, moveQueueFile, QueueFileWriter, readQueueFile, type Spool,
} from '@mailroom/global';

const POSTCAT = path.join(installDir(), 'bin', 'postcat');

interface Setup {
  dir: string;
  etc: string;
  spool: Spool;
}

function setup(): Setup {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-postcat-'));
  const etc = path.join(dir, 'etc');
  fs.mkdirSync(etc);
  fs.writeFileSync(path.join(etc, 'main.cf'), `queue_directory = ${dir}/spool\n`);
  return { dir, etc, spool: createSpool(path.join(dir, 'spool')) };
}

function run(s: Setup, args: string[], input?: Buffer): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(POSTCAT, ['-c', s.etc, ...args], {
    cwd: s.dir, input, encoding: 'utf8', timeout: 20_000, env: { ...process.env, TZ: 'UTC' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fixed message: times, attributes, DSN, a done recipient and a late one. */
async function sample(s: Setup): Promise<QueueFileWriter> {
  const w = new QueueFileWriter(s.spool);
  w.setEnvelope({
    sender: 'sender@example.com', arrivalTime: 1_700_000_000_000, createTime: 1_700_000_001,
    attributes: { client_name: 'mx.example.org', client_address: '192.0.2.1' },
  });
  w.addRecipient({ address: 'a@example.net', original: 'alias@example.net', orcpt: 'rfc822;alias@example.net', notify: 10 });
  w.addRecipient({ address: 'b@example.net' });
  await w.writeContent(Buffer.from('Subject: golden\nX-Folded: one\n\ttwo\n\nfirst body line\n'));
  await w.writeContent(Buffer.from('last line without newline'));
  w.addRecipient({ address: 'late@example.net' });
  await w.commit();
  const qf = await readQueueFile(w.path);
  await markRecipientDone(w.path, qf.recipients[0]!.offset);
  fs.copyFileSync(w.path, path.join(s.dir, 'sample'));
  return w;
}

const ENVELOPE = `*** ENVELOPE RECORDS sample ***
message_size:              77             290               3               0              77               0
message_arrival_time: Tue Nov 14 22:13:20 2023
create_time: Tue Nov 14 22:13:21 2023
sender: sender@example.com
named_attribute: client_name=mx.example.org
named_attribute: client_address=192.0.2.1
dsn_original_recipient: rfc822;alias@example.net
dsn_notify_flags: 10
original_recipient: alias@example.net
done_recipient: a@example.net
recipient: b@example.net
*** MESSAGE CONTENTS sample ***
`;
const HEADERS = 'Subject: golden\nX-Folded: one\n\ttwo\n';
const BODY = '\nfirst body line\nlast line without newline\n';
const TRAILER = `*** HEADER EXTRACTED sample ***
recipient: late@example.net
*** MESSAGE FILE END sample ***
`;

test('postcat prints a queue file in Postfix layout (golden)', async (t) => {
  const s = setup();
  t.after(() => fs.rmSync(s.dir, { recursive: true, force: true }));
  await sample(s);
  const table: Array<[string[], string]> = [
    [[], ENVELOPE + HEADERS + BODY + TRAILER],
    [['-beh'], ENVELOPE + HEADERS + BODY + TRAILER],
    [['-e'], ENVELOPE + TRAILER],
    [['-h'], HEADERS],
    [['-b'], BODY],
    [['-bh'], HEADERS + BODY],
  ];
  for (const [flags, expected] of table) {
    const r = run(s, [...flags, 'sample']);
    assert.equal(r.stderr, '', flags.join(' '));
    assert.equal(r.status, 0);
    assert.equal(r.stdout, expected, `postcat ${flags.join(' ')}`);
  }
});

test('postcat -o and -d print offsets and decimal record types', async (t) => {
  const s = setup();
  t.after(() => fs.rmSync(s.dir, { recursive: true, force: true }));
  await sample(s);
  const lines = run(s, ['-od', 'sample']).stdout.split('\n');
  assert.equal(lines[0], '*** ENVELOPE RECORDS sample ***');
  assert.match(lines[1] ?? '', /^ {8}0  67 message_size: /);
  assert.equal(lines[2], '       97  84 message_arrival_time: Tue Nov 14 22:13:20 2023');
  assert.equal(lines[10], '      258  68 done_recipient: a@example.net');
  assert.equal(lines[12], '      288  77 *** MESSAGE CONTENTS sample ***');
  assert.equal(lines[13], '      290  78 Subject: golden');
  assert.equal(lines[15], '      320  78 \ttwo');
  assert.equal(lines[16], '      325  78 ');
  assert.equal(lines[18], '      342  78 last line without newline');
  assert.equal(lines[19], '      367  88 *** HEADER EXTRACTED sample ***');
  assert.equal(lines[22], '');
  assert.equal(lines.length, 23);
});

test('postcat -q finds a queue file by ID; errors read as Postfix', async (t) => {
  const s = setup();
  t.after(() => fs.rmSync(s.dir, { recursive: true, force: true }));
  const w = await sample(s);
  await moveQueueFile(s.spool, w.id, 'incoming', 'deferred');
  const rel = s.spool.relativePath('deferred', w.id);
  const r = run(s, ['-q', w.id]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, (ENVELOPE + HEADERS + BODY + TRAILER).replaceAll(' sample ***', ` ${rel} ***`));
  const missing = run(s, ['-q', 'B0GUS1D']);
  assert.deepEqual([missing.status, missing.stderr], [1, 'postcat: fatal: open queue file B0GUS1D: No such file or directory\n']);
  const bad = run(s, ['-q', '../etc']);
  assert.deepEqual([bad.status, bad.stderr], [1, 'postcat: fatal: bad mail queue ID: ../etc\n']);
});

test('postcat reads standard input, and refuses what is not a queue file', async (t) => {
  const s = setup();
  t.after(() => fs.rmSync(s.dir, { recursive: true, force: true }));
  await sample(s);
  const r = run(s, ['-e'], fs.readFileSync(path.join(s.dir, 'sample')));
  assert.equal(r.stdout, (ENVELOPE + TRAILER).replaceAll(' sample ***', ' stdin ***'));
  fs.writeFileSync(path.join(s.dir, 'junk'), 'hello world\n');
  const junk = run(s, ['junk']);
  assert.deepEqual([junk.status, junk.stdout, junk.stderr], [0, '', 'postcat: warning: junk: input is not a valid queue file\n']);
  const truncated = fs.readFileSync(path.join(s.dir, 'sample')).subarray(0, 150);
  fs.writeFileSync(path.join(s.dir, 'short'), truncated);
  const short = run(s, ['short']);
  assert.equal(short.status, 1);
  assert.match(short.stderr, /^postcat: warning: short: unexpected EOF in data, record type \d+ at offset \d+\npostcat: fatal: record read error\n$/);
  const usage = run(s, ['-x']);
  assert.equal(usage.status, 1);
  assert.match(usage.stderr, /^postcat: fatal: usage: postcat \[-b \(body text\)\]/);
  const absent = run(s, ['absent']);
  assert.deepEqual([absent.status, absent.stderr], [1, 'postcat: fatal: open absent: No such file or directory\n']);
});
