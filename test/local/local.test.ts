/*
 * End-to-end tests of the local delivery agent under master: real delivery requests for
 * queue files written with QueueFileWriter, to passwd users (daemon, bin, sys, news) whose
 * mailboxes live under the test directory (mail_spool_directory), through aliases (three
 * users, |command, /file/name, sysexits), .forward files (forward_path) and address
 * extensions; forwarding loops, unknown users and mailbox_size_limit. Mailboxes are
 * opened with mail(1) from mailutils. Local writes as each user: the tests need root.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildTable, lookupUser, readQueueFile } from '@mailroom/global';
import {
  cleanup, deliver, doneFlags, files, hasProgram, isRoot, makeAgentInstance, message, queueMessage, startAgents, statusLines,
  type AgentInstance,
} from './harness.js';

const skip = isRoot ? false : 'local delivers as each passwd user (uid/gid switching): run as root';
const D = 'mail.example.test';
let inst: AgentInstance;
let dir = '';
const withCleanup = hasProgram('cleanup');

const MAIN_CF = (d: string): string => `
alias_maps = hash:${d}/etc/aliases
recipient_delimiter = +
mail_spool_directory = ${d}/mail
forward_path = ${d}/forward/$user.forward\${recipient_delimiter}\${extension}, ${d}/forward/$user.forward
message_size_limit = 50000
mailbox_size_limit = 60000
deliver_lock_attempts = 2
`;

const MASTER_CF = (d: string): string => [
  'local unix - n n - - local',
  `localmd unix - n n - - local -o mail_spool_directory=${d}/maildirs/`,
  'rewrite unix - - n - - trivial-rewrite',
  ...(withCleanup ? ['cleanup unix n - n - 0 cleanup'] : []),
].join('\n');

/** mailList - `mail -H` of a mailbox (mbox file or maildir:/path). */
function mailList(box: string): string {
  const r = spawnSync('mail', ['-f', box, '-H'], { encoding: 'utf8', timeout: 10_000 });
  if (r.error) throw r.error;
  return r.stdout;
}

before(async () => {
  if (!isRoot) return;
  inst = await makeAgentInstance(MAIN_CF, MASTER_CF);
  dir = inst.dir;
  for (const d of ['mail', 'maildirs', 'forward', 'bin']) fs.mkdirSync(path.join(dir, d), { mode: 0o755 });
  fs.mkdirSync(path.join(dir, 'out'), { mode: 0o777 });
  fs.chmodSync(path.join(dir, 'out'), 0o777); // commands and files run as nobody (default_privs)
  const recorder = path.join(dir, 'bin', 'record.sh');
  fs.writeFileSync(recorder, `#!/bin/sh\n{ echo "uid=$(id -u) RECIPIENT=$RECIPIENT SENDER=$SENDER USER=$USER EXTENSION=$EXTENSION"; cat; } > ${dir}/out/recorded.$$\n`, { mode: 0o755 });
  fs.writeFileSync(path.join(inst.etc, 'aliases'), [
    'team: daemon, bin, uucp',
    `recorder: "|${recorder}"`,
    'tempfail: "|exit 75"',
    'nosuch: "|exit 67"',
    `archive: ${dir}/out/archive.mbox`,
    'remote: someone@elsewhere.example',
    'self: self, daemon',
    '',
  ].join('\n'));
  await buildTable('hash', path.join(inst.etc, 'aliases'), { format: 'aliases' });
  const sys = lookupUser('sys');
  const bin = lookupUser('bin');
  fs.writeFileSync(path.join(dir, 'forward', 'sys.forward'), `# keep a copy\n${dir}/out/sys-copy.mbox, sys\n`);
  fs.writeFileSync(path.join(dir, 'forward', 'bin.forward+list'), 'daemon\n');
  fs.chownSync(path.join(dir, 'forward', 'sys.forward'), sys!.uid, sys!.gid);
  fs.chownSync(path.join(dir, 'forward', 'bin.forward+list'), bin!.uid, bin!.gid);
  await startAgents(inst, ['local', 'localmd', 'rewrite']);
});

after(() => {
  if (inst) cleanup(inst);
});

test('a local user gets mail in an mbox that mail(1) reads, and the recipient is marked done', { skip, timeout: 60_000 }, async () => {
  const qf = await queueMessage(inst, { recipients: [`daemon@${D}`], content: message('mbox one', '', 'From the start\nbye\n') });
  const reply = await deliver(inst, 'local', qf);
  assert.deepEqual(reply.results.map((r) => [r.status, r.dsn, r.reason, r.relay]), [['sent', '2.0.0', 'delivered to mailbox', 'local']]);
  assert.deepEqual(await doneFlags(qf), [true]);
  const box = path.join(dir, 'mail', 'daemon');
  const st = fs.statSync(box);
  assert.equal(st.uid, 1, 'the mailbox belongs to its user');
  assert.equal(st.mode & 0o777, 0o600);
  const text = fs.readFileSync(box, 'utf8');
  assert.match(text, /^From sender@example\.org {2}\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\nReturn-Path: <sender@example\.org>\nX-Original-To: daemon@mail\.example\.test\nDelivered-To: daemon@mail\.example\.test\nFrom: sender@example\.org\n/);
  assert.match(text, /\n>From the start\nbye\n\n$/);
  assert.match(mailList(box), /mbox one/);
  assert.match((await statusLines(inst, qf.id))[0] ?? '', /^to=<daemon@mail\.example\.test>, relay=local, delay=[\d.]+, delays=[\d./]+, dsn=2\.0\.0, status=sent \(delivered to mailbox\)$/);
});

test('mail_spool_directory ending in / gives each user a Maildir that mail(1) reads', { skip, timeout: 60_000 }, async () => {
  const qf = await queueMessage(inst, { recipients: [`bin@${D}`], content: message('maildir one') });
  const reply = await deliver(inst, 'localmd', qf);
  assert.equal(reply.results[0]?.reason, 'delivered to maildir');
  const md = path.join(dir, 'maildirs', 'bin');
  const [file, ...more] = files(path.join(md, 'new'));
  assert.ok(file && more.length === 0);
  assert.match(path.basename(file), /^\d+\.M\d+P\d+Q\d+\.[^,]+,S=\d+$/);
  assert.equal(Number(/S=(\d+)$/.exec(file)?.[1]), fs.statSync(file).size);
  assert.equal(fs.statSync(file).uid, 2);
  assert.equal(fs.statSync(md).uid, 2, 'created folders belong to the user too');
  assert.match(fs.readFileSync(file, 'utf8'), /^Return-Path: <sender@example\.org>\nX-Original-To: bin@mail\.example\.test\nDelivered-To: bin@mail\.example\.test\n/);
  assert.match(mailList(`maildir:${md}`), /maildir one/);
});

test('an alias to three users delivers to each, one log line per user with orig_to', { skip, timeout: 60_000 }, async () => {
  const before = Object.fromEntries(['daemon', 'bin', 'uucp'].map((u) => [u, fs.existsSync(path.join(dir, 'mail', u)) ? fs.statSync(path.join(dir, 'mail', u)).size : 0]));
  const qf = await queueMessage(inst, { recipients: [`team@${D}`], content: message('team mail') });
  const reply = await deliver(inst, 'local', qf);
  assert.equal(reply.results[0]?.status, 'sent', JSON.stringify(reply));
  assert.deepEqual(await doneFlags(qf), [true]);
  for (const u of ['daemon', 'bin', 'uucp']) {
    const box = path.join(dir, 'mail', u);
    assert.ok(fs.statSync(box).size > (before[u] ?? 0), `${u} got it`);
    assert.match(fs.readFileSync(box, 'utf8'), new RegExp(`Delivered-To: ${u}@mail\\.example\\.test\\n[\\s\\S]*team mail`));
  }
  const lines = await statusLines(inst, qf.id, 3);
  assert.equal(lines.length, 3, lines.join('\n'));
  for (const u of ['daemon', 'bin']) assert.ok(lines.some((l) => l.startsWith(`to=<${u}@${D}>, orig_to=<team@${D}>, relay=local,`) && l.endsWith('status=sent (delivered to mailbox)')), lines.join('\n'));
});

test('an alias to |command runs it as default_privs with the message and Postfix environment', { skip, timeout: 60_000 }, async () => {
  const qf = await queueMessage(inst, { recipients: [`recorder@${D}`], content: message('for the command') });
  const reply = await deliver(inst, 'local', qf);
  assert.deepEqual(reply.results.map((r) => [r.status, r.reason]), [['sent', `delivered to command: ${dir}/bin/record.sh`]]);
  const out = files(path.join(dir, 'out')).filter((f) => path.basename(f).startsWith('recorded.'));
  assert.equal(out.length, 1);
  const text = fs.readFileSync(out[0]!, 'utf8');
  assert.match(text, new RegExp(`^uid=${lookupUser('nobody')?.uid} RECIPIENT=recorder@mail\\.example\\.test SENDER=sender@example\\.org USER=nobody`));
  assert.match(text, /\nFrom sender@example\.org {2}.*\nReturn-Path: <sender@example\.org>\nX-Original-To: recorder@mail\.example\.test\nDelivered-To: recorder@mail\.example\.test\nFrom: sender@example\.org\n[\s\S]*Subject: for the command\n/);
});

test('a command exiting 75 defers (4.3.0), one exiting 67 bounces (5.1.1); neither is marked done', { skip, timeout: 60_000 }, async () => {
  const qf = await queueMessage(inst, { recipients: [`tempfail@${D}`, `nosuch@${D}`], content: message('exit codes') });
  const reply = await deliver(inst, 'local', qf);
  assert.deepEqual(reply.results.map((r) => [r.status, r.dsn, r.reason]), [
    ['deferred', '4.3.0', 'temporary failure'],
    ['bounced', '5.1.1', 'user unknown'],
  ]);
  assert.deepEqual(await doneFlags(qf), [false, false]);
});

test('an alias to /file/name appends to that file as default_privs', { skip, timeout: 60_000 }, async () => {
  const qf = await queueMessage(inst, { recipients: [`archive@${D}`], content: message('archived') });
  const reply = await deliver(inst, 'local', qf);
  const file = path.join(dir, 'out', 'archive.mbox');
  assert.deepEqual(reply.results.map((r) => [r.status, r.reason]), [['sent', `delivered to file: ${file}`]]);
  assert.equal(fs.statSync(file).uid, lookupUser('nobody')?.uid);
  assert.match(fs.readFileSync(file, 'utf8'), /Delivered-To: archive@mail\.example\.test\n/);
  assert.match(mailList(file), /archived/);
});

test('.forward files (forward_path) and address extensions', { skip, timeout: 60_000 }, async () => {
  const sizeOf = (u: string): number => (fs.existsSync(path.join(dir, 'mail', u)) ? fs.statSync(path.join(dir, 'mail', u)).size : 0);
  const [sys0, daemon0] = [sizeOf('sys'), sizeOf('daemon')];
  const qf = await queueMessage(inst, { recipients: [`sys@${D}`, `bin+list@${D}`, `bin+other@${D}`], content: message('forwarded') });
  const reply = await deliver(inst, 'local', qf);
  assert.deepEqual(reply.results.map((r) => r.status), ['sent', 'sent', 'sent'], JSON.stringify(reply));
  // sys: a copy in a file plus its own mailbox (a user listed in its own .forward)
  assert.ok(sizeOf('sys') > sys0);
  assert.match(fs.readFileSync(path.join(dir, 'out', 'sys-copy.mbox'), 'utf8'), /Subject: forwarded/);
  assert.equal(fs.statSync(path.join(dir, 'out', 'sys-copy.mbox')).uid, 3, 'a .forward file destination is written as its user');
  // bin+list: ~bin/.forward+list sends it to daemon; bin+other: no such file, bin's mailbox
  assert.ok(sizeOf('daemon') > daemon0);
  assert.match(fs.readFileSync(path.join(dir, 'mail', 'bin'), 'utf8'), /Delivered-To: bin\+other@mail\.example\.test\n/);
  const lines = await statusLines(inst, qf.id, 4);
  assert.equal(lines.length, 4, lines.join('\n'));
  assert.ok(lines.some((l) => l.startsWith(`to=<daemon@${D}>, orig_to=<bin+list@${D}>`)), lines.join('\n'));
});

test('an alias that lists itself delivers to its own mailbox, not in circles', { skip, timeout: 60_000 }, async () => {
  const qf = await queueMessage(inst, { recipients: [`self@${D}`], content: message('self') });
  const reply = await deliver(inst, 'local', qf);
  // `self` is no passwd user: its own entry bounces as unknown, daemon gets the mail
  assert.deepEqual(reply.results.map((r) => [r.status, r.dsn, r.reason]), [['bounced', '5.1.1', 'unknown user: "self"']]);
  assert.ok((await statusLines(inst, qf.id, 2)).some((l) => l.startsWith(`to=<daemon@${D}>, orig_to=<self@${D}>`) && l.includes('status=sent')));
});

test('a Delivered-To: header with the recipient is a mail forwarding loop (5.4.6)', { skip, timeout: 60_000 }, async () => {
  const qf = await queueMessage(inst, { recipients: [`daemon@${D}`], content: message('loop', `Delivered-To: daemon@${D}\n`) });
  const reply = await deliver(inst, 'local', qf);
  assert.deepEqual(reply.results.map((r) => [r.status, r.dsn, r.reason]), [['bounced', '5.4.6', `mail forwarding loop for daemon@${D}`]]);
});

test('an unknown user bounces with 5.1.1 unknown user', { skip, timeout: 60_000 }, async () => {
  const qf = await queueMessage(inst, { recipients: [`nosuchuser+x@${D}`], content: message('unknown') });
  const reply = await deliver(inst, 'local', qf);
  assert.deepEqual(reply.results.map((r) => [r.status, r.dsn, r.reason]), [['bounced', '5.1.1', 'unknown user: "nosuchuser"']]);
  assert.match((await statusLines(inst, qf.id))[0] ?? '', /dsn=5\.1\.1, status=bounced \(unknown user: "nosuchuser"\)$/);
});

test('a mailbox over mailbox_size_limit bounces with 5.2.2 and is left as it was', { skip, timeout: 60_000 }, async () => {
  const box = path.join(dir, 'mail', 'news');
  fs.writeFileSync(box, `From x  Tue Nov  4 09:05:01 2025\nSubject: filler\n\n${'x'.repeat(59_000)}\n\n`, { mode: 0o600 });
  fs.chownSync(box, 9, 9);
  const size = fs.statSync(box).size;
  const qf = await queueMessage(inst, { recipients: [`news@${D}`], content: message('too much', '', 'y'.repeat(2000)) });
  const reply = await deliver(inst, 'local', qf);
  assert.equal(reply.results[0]?.status, 'bounced');
  assert.equal(reply.results[0]?.dsn, '5.2.2');
  assert.equal(reply.results[0]?.reason, `cannot update mailbox ${box} for user news. error writing message: File too large`);
  assert.equal(fs.statSync(box).size, size);
});

test('an alias to a remote address is forwarded through cleanup as a new message', { skip: skip || (!withCleanup && 'cleanup is not built yet'), timeout: 60_000 }, async () => {
  const qf = await queueMessage(inst, { recipients: [`remote@${D}`], content: message('to forward') });
  const reply = await deliver(inst, 'local', qf);
  const m = /^forwarded as (\S+)$/.exec(reply.results[0]?.reason ?? '');
  assert.ok(m, JSON.stringify(reply));
  assert.deepEqual(await doneFlags(qf), [true]);
  const fwd = await readQueueFile(inst.queue.path('incoming', m[1]!));
  assert.equal(fwd.sender, 'sender@example.org');
  assert.deepEqual(fwd.recipients.map((r) => r.address), ['someone@elsewhere.example']);
  const content = fs.readFileSync(fwd.path).subarray(fwd.contentOffset, fwd.contentOffset + fwd.contentSize).toString();
  // cleanup may put its Received: line first
  assert.match(content, /^(Received: .*\n(\t.*\n)*)?Delivered-To: remote@mail\.example\.test\n/);
});

test('luser_relay, mailbox_command and mailbox_transport', { skip, timeout: 90_000 }, async (t) => {
  const inst2 = await makeAgentInstance((d) => `
alias_maps =
recipient_delimiter = +
luser_relay = daemon+$local
mailbox_command = ${d}/bin/record.sh
virtual_mailbox_base = ${d}/vmail
virtual_mailbox_maps = static:handed/over/
virtual_uid_maps = static:2
virtual_gid_maps = static:2
virtual_minimum_uid = 1
`, () => [
    'local unix - n n - - local',
    'localpass unix - n n - - local -o mailbox_transport=virtual',
    'virtual unix - n n - - virtual',
    'rewrite unix - - n - - trivial-rewrite',
  ].join('\n'));
  t.after(() => cleanup(inst2));
  const d2 = inst2.dir;
  fs.mkdirSync(path.join(d2, 'bin'));
  fs.mkdirSync(path.join(d2, 'out'), { mode: 0o777 });
  fs.chmodSync(path.join(d2, 'out'), 0o777);
  fs.writeFileSync(path.join(d2, 'bin', 'record.sh'), `#!/bin/sh\n{ echo "uid=$(id -u) USER=$USER EXTENSION=$EXTENSION HOME=$HOME"; cat; } > ${d2}/out/recorded.$$\n`, { mode: 0o755 });
  await startAgents(inst2, ['local', 'localpass', 'virtual', 'rewrite']);

  const qf = await queueMessage(inst2, { recipients: [`nosuch@${D}`], content: message('relayed') });
  const reply = await deliver(inst2, 'local', qf);
  assert.deepEqual(reply.results.map((r) => [r.status, r.reason]), [['sent', `delivered to command: ${d2}/bin/record.sh`]]);
  const [out] = files(path.join(d2, 'out'));
  assert.match(fs.readFileSync(out!, 'utf8'), /^uid=1 USER=daemon EXTENSION=nosuch HOME=\/usr\/sbin\n[\s\S]*Delivered-To: daemon\+nosuch@mail\.example\.test\n/);
  assert.ok((await statusLines(inst2, qf.id)).some((l) => l.startsWith(`to=<daemon+nosuch@${D}>, orig_to=<nosuch@${D}>`)));

  const qf2 = await queueMessage(inst2, { recipients: [`bin@${D}`], content: message('handed over') });
  const reply2 = await deliver(inst2, 'localpass', qf2);
  assert.deepEqual(reply2.results.map((r) => [r.status, r.reason, r.relay]), [['sent', 'delivered to maildir', 'virtual']]);
  assert.deepEqual(await doneFlags(qf2), [true]);
  assert.equal(files(path.join(d2, 'vmail', 'handed', 'over', 'new')).length, 1);
  const lines = await statusLines(inst2, qf2.id);
  assert.equal(lines.length, 1, 'logged once, by virtual');
  assert.match(lines[0] ?? '', /^to=<bin@mail\.example\.test>, relay=virtual, /);
});
