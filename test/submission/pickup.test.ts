/*
 * Local submission end to end: sendmail (and mailutils' mail over it) -> maildrop ->
 * pickup -> cleanup (-> trivial-rewrite) -> incoming/, with a whole instance under
 * master. Also: mail submitted while the system is stopped goes out when it starts,
 * malformed maildrop files go to corrupt/ with a log line, and pickup believes the file
 * owner rather than the file.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newQueueId, QueueFileWriter, Spool, triggerService } from '@mailroom/global';
import {
  BIN, cleanup, header, isRoot, logMessages, makeInstance, queueFiles, run, startMaster, stopMaster, waitFor, waitIncoming,
  type Instance, type QueuedMessage,
} from './instance.js';

let inst: Instance;
const me = os.userInfo().username;

before(() => {
  inst = makeInstance();
});
after(() => cleanup(inst));

/** takeIncoming - wait for `n` new messages in incoming/ and remove them (keeps tests independent). */
async function takeIncoming(n: number): Promise<QueuedMessage[]> {
  const msgs = await waitIncoming(inst, n);
  assert.equal(msgs.length, n, 'no more messages than expected');
  for (const m of msgs) fs.rmSync(m.qf.path);
  return msgs;
}

test('mail submitted while the system is stopped goes out when it starts', async () => {
  const r = run(inst, 'sendmail', ['user@example.com'], { input: 'Subject: while stopped\n\nwaiting\n' });
  assert.equal(r.status, 0, r.stderr);
  const [id] = queueFiles(inst, 'maildrop');
  assert.ok(id, 'the message waits in maildrop/');
  await startMaster(inst);
  const [m] = await takeIncoming(1);
  assert.equal(queueFiles(inst, 'maildrop').length, 0, 'maildrop/ is empty again');
  assert.deepEqual(m?.qf.recipients.map((x) => x.address), ['user@example.com']);
  assert.equal(header(m?.content ?? '', 'Subject'), 'while stopped');
  const qid = m?.qf.id ?? '';
  await waitFor('pickup logs uid and sender', () => logMessages(inst).includes(`${qid}: uid=${process.getuid?.()} from=<${me}>`), 5000);
});

test('sendmail recipient < message: envelope and headers', async () => {
  const r = run(inst, 'sendmail', ['-F', 'Test User', 'user@example.com'], { input: 'Subject: plain\r\n\r\nbody line\r\n' });
  assert.equal(r.status, 0, r.stderr);
  const [m] = await takeIncoming(1);
  assert.ok(m);
  assert.equal(m.qf.sender, `${me}@mail.example.test`, 'cleanup completes the login name with $myorigin');
  assert.deepEqual(m.qf.recipients.map((x) => x.address), ['user@example.com']);
  assert.equal(header(m.content, 'Subject'), 'plain');
  assert.match(header(m.content, 'From') ?? '', new RegExp(`Test User.*${me}@mail\\.example\\.test`));
  assert.ok(header(m.content, 'Message-ID'), 'Message-ID added');
  assert.ok(header(m.content, 'Date'), 'Date added');
  assert.match(m.content, /\n\nbody line\r?\n$/);
});

test('sendmail -t takes the recipients from the headers; Bcc: is removed', async () => {
  const input = 'To: Ann <ann@example.com>\nCc: bob@example.com\nBcc: carol@example.com\nSubject: extracted\n\nhi\n';
  const r = run(inst, 'sendmail', ['-t', '-f', 'sender@example.org'], { input });
  assert.equal(r.status, 0, r.stderr);
  const [m] = await takeIncoming(1);
  assert.ok(m);
  assert.equal(m.qf.sender, 'sender@example.org');
  assert.deepEqual(m.qf.recipients.map((x) => x.address).sort(), ['ann@example.com', 'bob@example.com', 'carol@example.com']);
  assert.equal(header(m.content, 'Bcc'), undefined);
  assert.equal(header(m.content, 'Subject'), 'extracted');
});

test("mailutils' mail pointed at our sendmail", async () => {
  const mail = spawnSync('mail', ['-s', 'from mailutils', '-E', `set sendmail=sendmail://${path.join(BIN, 'sendmail')}`, 'user@example.com'], {
    input: 'sent with mail(1)\n', encoding: 'utf8', timeout: 30_000, env: { ...process.env, MAIL_CONFIG: inst.etc },
  });
  assert.equal(mail.status, 0, mail.stderr);
  const [m] = await takeIncoming(1);
  assert.ok(m);
  assert.deepEqual(m.qf.recipients.map((x) => x.address), ['user@example.com']);
  assert.equal(header(m.content, 'Subject'), 'from mailutils');
  assert.match(m.content, /sent with mail\(1\)/);
});

test('sendmail -bs: a message through SMTP on standard input', async () => {
  const r = run(inst, 'sendmail', ['-bs'], {
    input: 'HELO me\r\nMAIL FROM:<bs@example.org>\r\nRCPT TO:<user@example.com>\r\nDATA\r\nSubject: bs\r\n\r\nx\r\n.\r\nQUIT\r\n',
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /250 2\.0\.0 Ok: queued as /);
  const [m] = await takeIncoming(1);
  assert.equal(m?.qf.sender, 'bs@example.org');
  assert.equal(header(m?.content ?? '', 'Subject'), 'bs');
});

test('malformed maildrop files go to corrupt/ with a log line', async () => {
  const spool = new Spool(inst.spool);
  const garbage = newQueueId();
  fs.writeFileSync(spool.path('maildrop', garbage), 'not a queue file', { mode: 0o744 });
  const link = newQueueId();
  fs.symlinkSync('/etc/passwd', spool.path('maildrop', link));
  const r = run(inst, 'sendmail', ['user@example.com'], { input: 'Subject: after garbage\n\nx\n' }); // wakes pickup
  assert.equal(r.status, 0, r.stderr);
  await takeIncoming(1);
  await waitFor('both files in corrupt/', () => queueFiles(inst, 'corrupt').includes(garbage) && queueFiles(inst, 'corrupt').includes(link));
  const log = logMessages(inst);
  assert.ok(log.some((l) => l.startsWith(`warning: maildrop/${garbage}: uid=`)), 'reason logged');
  assert.ok(log.includes(`warning: saving corrupt file "${garbage}" from queue "maildrop" to queue "corrupt"`));
  assert.ok(log.includes(`warning: maildrop/${link}: file is a symbolic link`));
  assert.deepEqual(fs.readdirSync(path.join(inst.spool, 'maildrop')), []);
});

test('pickup believes the file owner, not the file', { skip: !isRoot && 'needs root to submit as another user' }, async () => {
  // The permission model of docs/postdrop.md: maildrop/ world-writable and sticky,
  // public/ searchable so that any user can wake pickup.
  fs.chmodSync(path.join(inst.spool, 'maildrop'), 0o1733);
  fs.chmodSync(path.join(inst.spool, 'public'), 0o711);
  const r = run(inst, 'sendmail', ['user@example.com'], { input: 'Subject: as daemon\n\nx\n', uid: 1, gid: 1 });
  assert.equal(r.status, 0, r.stderr);
  const [m] = await takeIncoming(1);
  assert.equal(m?.qf.sender, 'daemon@mail.example.test');
  await waitFor('pickup logs uid=1', () => logMessages(inst).includes(`${m?.qf.id}: uid=1 from=<daemon>`), 5000);

  // A file written by uid 1 that claims to come from root.
  // Written elsewhere, given to uid 1, then moved in: as if uid 1 had written it.
  const spool = new Spool(inst.spool);
  const w = new QueueFileWriter(spool, { queue: 'saved', mode: 0o644 });
  w.setEnvelope({ sender: 'root', attributes: { submit_uid: '0', submit_user: 'root' } });
  w.addRecipient({ address: 'user@example.com' });
  await w.writeContent(Buffer.from('Subject: forged\n\nx\n'));
  const id = await w.commit();
  fs.chownSync(w.path, 1, 1);
  fs.renameSync(w.path, spool.path('maildrop', id));
  await triggerService(inst.spool, 'public/pickup', 'W');
  const [f] = await takeIncoming(1);
  assert.equal(f?.qf.sender, 'root@mail.example.test', 'the sender is not an identity claim');
  const log = logMessages(inst);
  assert.ok(log.includes(`${f?.qf.id}: uid=1 from=<root>`), 'logged as uid 1');
  assert.ok(log.some((l) => l.includes(`uid=1: ignoring submit_uid=0 of a file owned by uid 1`)), id);
});

test('stop: pickup leaves nothing behind', async () => {
  await stopMaster(inst);
  assert.equal(queueFiles(inst, 'maildrop').length, 0);
});
