/*
 * End-to-end tests of the virtual delivery agent under master: real delivery requests
 * for queue files written with QueueFileWriter; Maildirs and mbox files under
 * virtual_mailbox_base found through virtual_mailbox_maps (address, address without its
 * extension, catch-all @domain), owners from virtual_uid_maps (a table) and
 * virtual_gid_maps (static:), unknown users, a uid below virtual_minimum_uid. As root
 * the files must belong to the mapped uid/gid; as another user they are simply ours.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  cleanup, deliver, doneFlags, files, isRoot, logMessages, makeAgentInstance, message, queueMessage, startAgents, statusLines, waitFor,
  type AgentInstance,
} from '../local/harness.js';
import { ROOT } from '../master/instance.js';

const UID = isRoot ? 2 : (process.getuid?.() ?? 1000);
const GID = isRoot ? 3 : (process.getgid?.() ?? 1000);
let inst: AgentInstance;
let base = '';

const MAIN_CF = (d: string): string => `
virtual_mailbox_domains = virt.example.test, catch.example.test
virtual_mailbox_base = ${d}/vmail
virtual_mailbox_maps = texthash:${d}/etc/vmailbox
virtual_uid_maps = texthash:${d}/etc/vuid
virtual_gid_maps = static:${GID}
virtual_minimum_uid = ${Math.min(UID, 100)}
recipient_delimiter = +
`;

before(async () => {
  inst = await makeAgentInstance(MAIN_CF, () => 'virtual unix - n n - - virtual');
  base = path.join(inst.dir, 'vmail');
  fs.mkdirSync(base, { mode: 0o755 });
  fs.writeFileSync(path.join(inst.etc, 'vmailbox'), [
    'alice@virt.example.test   virt.example.test/alice/',
    'bob@virt.example.test     virt.example.test/bob',
    'lowuid@virt.example.test  virt.example.test/lowuid/',
    '@catch.example.test       catch.example.test/all/',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(inst.etc, 'vuid'), `lowuid@virt.example.test 0\n@virt.example.test ${UID}\n@catch.example.test ${UID}\n`);
  await startAgents(inst, ['virtual']);
});

after(() => {
  if (inst) cleanup(inst);
});

const mailList = (box: string): string => spawnSync('mail', ['-f', box, '-H'], { encoding: 'utf8', timeout: 10_000 }).stdout;

test('a virtual Maildir is created under virtual_mailbox_base and owned by the mapped uid/gid', { timeout: 60_000 }, async () => {
  const qf = await queueMessage(inst, { recipients: ['alice@virt.example.test'], content: message('virtual maildir') });
  const reply = await deliver(inst, 'virtual', qf);
  assert.deepEqual(reply.results.map((r) => [r.status, r.dsn, r.reason, r.relay]), [['sent', '2.0.0', 'delivered to maildir', 'virtual']]);
  assert.deepEqual(await doneFlags(qf), [true]);
  const md = path.join(base, 'virt.example.test', 'alice');
  assert.deepEqual(fs.readdirSync(md).sort(), ['cur', 'new', 'tmp']);
  const [file] = files(path.join(md, 'new'));
  assert.ok(file);
  const st = fs.statSync(file);
  assert.deepEqual([st.uid, st.gid], [UID, GID]);
  if (isRoot) assert.deepEqual([fs.statSync(md).uid, fs.statSync(path.dirname(md)).uid], [UID, UID], 'created folders too');
  assert.match(fs.readFileSync(file, 'utf8'), /^Return-Path: <sender@example\.org>\nX-Original-To: alice@virt\.example\.test\nDelivered-To: alice@virt\.example\.test\n/);
  assert.match(mailList(`maildir:${md}`), /virtual maildir/);
  assert.match((await statusLines(inst, qf.id))[0] ?? '', /^to=<alice@virt\.example\.test>, relay=virtual, .*status=sent \(delivered to maildir\)$/);
});

test('a virtual mbox file, an extension and the catch-all, delivered side by side', { timeout: 60_000 }, async () => {
  const rcpts = ['bob@virt.example.test', 'alice+tag@virt.example.test', 'anyone@catch.example.test'];
  const qf = await queueMessage(inst, { recipients: rcpts, content: message('three at once', '', 'From a line\n') });
  const reply = await deliver(inst, 'virtual', qf);
  assert.deepEqual(reply.results.map((r) => [r.status, r.reason]), [
    ['sent', 'delivered to mailbox'], ['sent', 'delivered to maildir'], ['sent', 'delivered to maildir'],
  ]);
  assert.deepEqual(await doneFlags(qf), [true, true, true]);
  const bob = path.join(base, 'virt.example.test', 'bob');
  assert.equal(fs.statSync(bob).uid, UID);
  assert.match(fs.readFileSync(bob, 'utf8'), /^From sender@example\.org {2}[^\n]+\nReturn-Path: <sender@example\.org>\n[\s\S]*\n>From a line\n\n$/);
  assert.match(mailList(bob), /three at once/);
  const tagged = files(path.join(base, 'virt.example.test', 'alice', 'new')).map((f) => fs.readFileSync(f, 'utf8'));
  assert.ok(tagged.some((t) => t.includes('Delivered-To: alice+tag@virt.example.test\n')));
  assert.equal(files(path.join(base, 'catch.example.test', 'all', 'new')).length, 1);
});

test('an unknown virtual user bounces (5.1.1); a uid below virtual_minimum_uid defers', { timeout: 60_000 }, async () => {
  const qf = await queueMessage(inst, { recipients: ['nobody@virt.example.test', 'lowuid@virt.example.test'], content: message('nobody') });
  const reply = await deliver(inst, 'virtual', qf);
  assert.deepEqual(reply.results.map((r) => [r.status, r.dsn, r.reason]), [
    ['bounced', '5.1.1', 'unknown user: "nobody@virt.example.test"'],
    ['deferred', '4.3.0', 'mail system configuration error'],
  ]);
  assert.deepEqual(await doneFlags(qf), [false, false]);
  assert.ok(!fs.existsSync(path.join(base, 'virt.example.test', 'lowuid')));
  await waitFor('the warning', () => logMessages(inst).some((l) => l === 'warning: recipient lowuid@virt.example.test: bad uid 0 in virtual_uid_maps'), 5000);
});

test('the embedded instance\'s demo users (etc/main.cf) get Maildirs under $config_directory/../mail', { timeout: 60_000 }, async (t) => {
  // The demo settings exactly as etc/main.cf has them, in an instance of their own.
  const demo = fs.readFileSync(path.join(ROOT, 'etc', 'main.cf'), 'utf8').split('\n').filter((l) => /^virtual_/.test(l)).join('\n');
  const inst2 = await makeAgentInstance(() => demo, () => 'virtual unix - n n - - virtual');
  t.after(() => cleanup(inst2));
  await startAgents(inst2, ['virtual']);
  const qf = await queueMessage(inst2, { recipients: ['alice@example.com', 'bob@example.com', 'carol@example.com'], content: message('demo') });
  const reply = await deliver(inst2, 'virtual', qf);
  assert.deepEqual(reply.results.map((r) => r.status), ['sent', 'sent', 'bounced']);
  for (const u of ['alice', 'bob']) {
    const [file] = files(path.join(inst2.dir, 'mail', 'example.com', u, 'new'));
    assert.ok(file, `${u} has mail`);
    if (isRoot) assert.equal(fs.statSync(file).uid, 65534);
  }
});
