/*
 * Local submission with the mail system stopped: sendmail's exit codes, what it leaves
 * in maildrop/ (envelope, content conversion), sendmail -bs and postdrop. No daemon runs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { cleanup, isRoot, makeInstance, queueFiles, readQueued, run, type Instance } from './instance.js';

let inst: Instance;
before(() => {
  inst = makeInstance('message_size_limit = 2000');
});
after(() => cleanup(inst));

const me = os.userInfo();

/** newest - the maildrop file a command just wrote. */
async function newest(known: Set<string>): Promise<Awaited<ReturnType<typeof readQueued>> & { id: string }> {
  const fresh = queueFiles(inst, 'maildrop').filter((id) => !known.has(id));
  assert.equal(fresh.length, 1, `one new maildrop file, got ${fresh.join(',')}`);
  const id = fresh[0] as string;
  known.add(id);
  return { id, ...(await readQueued(inst, 'maildrop', id)) };
}

test('exit codes follow sysexits(3)', () => {
  const cases: [string[], string, number, RegExp][] = [
    [[], 'Subject: x\n\nx\n', 64, /Recipient addresses must be specified on the command line or via the -t option/],
    [['-t'], 'Subject: no one\n\nx\n', 64, /No recipient addresses found in message header/],
    [['-z', 'a@x'], '', 64, /usage: sendmail/],
    [['-bz'], '', 64, /unsupported: -bz/],
    [['-t', '-bp'], '', 64, /-t can be used only in delivery mode/],
    [['-B', 'bogus', 'a@x'], '', 64, /-B option needs 8BITMIME or 7BIT/],
    [['a@x'], `Subject: big\n\n${'x'.repeat(3000)}\n`, 65, /message file too big/],
    [['a@x'], `Subject: long line\n\n${'x'.repeat(3000)}`, 65, /message file too big/],
    [['-bv', 'a@x'], '', 69, /not supported/],
    [['-q1h'], '', 0, /^$/],
    [['-bh'], '', 0, /^$/],
  ];
  const before = queueFiles(inst, 'maildrop').length;
  for (const [args, input, status, stderr] of cases) {
    const r = run(inst, 'sendmail', args, { input });
    assert.equal(r.status, status, `sendmail ${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.trim(), stderr, args.join(' '));
    if (status !== 0) assert.match(r.stderr, /^sendmail: fatal: /);
  }
  assert.equal(queueFiles(inst, 'maildrop').length, before, 'failed submissions leave nothing behind');
  // -bp lists the queue as postqueue -p: with the system down the superuser reads the spool, others get 69
  const bp = run(inst, 'sendmail', ['-bp']);
  if (isRoot) assert.equal(bp.status, 0, bp.stderr);
  else assert.match(bp.stderr, /^postqueue: fatal: Queue report unavailable - mail system is down/);
  // -bi hands over to newaliases (here with -oA: never the system's /etc/aliases)
  const aliases = path.join(inst.etc, 'aliases');
  fs.writeFileSync(aliases, 'postmaster: root\n');
  const bi = run(inst, 'sendmail', ['-bi', `-oAhash:${aliases}`]);
  assert.equal(bi.status, 0, bi.stderr);
  assert.ok(fs.existsSync(`${aliases}.db`), 'newaliases built the table');
  const bad = run(inst, 'sendmail', ['-N', 'sometimes', '-V', 'a\tb', 'a@x'], { input: 'Subject: w\n\nw\n' });
  assert.equal(bad.status, 0);
  assert.match(bad.stderr, /sendmail: warning: bad -N option value -- ignored/);
  assert.match(bad.stderr, /sendmail: warning: bad syntax in -V option value -- ignored/);
});

test('sendmail leaves the message in maildrop/ while the system is stopped', async () => {
  const known = new Set(queueFiles(inst, 'maildrop'));
  const input = 'From me@host Mon Jan  1 00:00:00 2024\r\nSubject: offline\r\nTo: x@y\r\n\r\nline 1\r\n..two dots\r\n.\r\nnot read\r\n';
  const r = run(inst, 'sendmail', ['-f', 'Me <me@example.com>', '-F', 'Me Myself', '-N', 'success,failure', '-R', 'hdrs', '-V', 'env-1', 'a@example.com', 'B <b@example.com>, c@example.com'], { input });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  const m = await newest(known);
  assert.equal(m.qf.sender, 'me@example.com');
  assert.equal(m.qf.senderFullname, 'Me Myself');
  assert.deepEqual(m.qf.recipients.map((x) => [x.address, x.notify]), [['a@example.com', 10], ['b@example.com', 10], ['c@example.com', 10]]);
  assert.equal(m.qf.envid, 'env-1');
  assert.equal(m.qf.ret, 2);
  assert.equal(m.qf.attributes.submit_uid, String(me.uid));
  assert.equal(m.qf.attributes.submit_user, me.username);
  assert.equal(m.content, 'Subject: offline\nTo: x@y\n\nline 1\n..two dots\n');
  assert.equal(m.qf.complete, true);

  // -i: the dot does not end the input; no -f: the login name; -t and -G recorded
  const r2 = run(inst, 'sendmail', ['-i', '-t', '-G', '-B', '8BITMIME'], { input: 'To: Ann <ann@example.com>\nBcc: bob@example.com\n\n.\nafter' });
  assert.equal(r2.status, 0, r2.stderr);
  const m2 = await newest(known);
  assert.equal(m2.qf.sender, me.username);
  assert.deepEqual(m2.qf.recipients, []);
  assert.equal(m2.qf.flags & (1 << 5), 1 << 5, 'EXTRACT_RECIPIENTS');
  assert.equal(m2.qf.attributes.rewrite_context, 'remote');
  assert.equal(m2.qf.attributes.body, '8BITMIME');
  assert.equal(m2.content, 'To: Ann <ann@example.com>\nBcc: bob@example.com\n\n.\nafter\n');
});

test('sendmail -bs speaks SMTP and drops each message', async () => {
  const known = new Set(queueFiles(inst, 'maildrop'));
  const dialogue = [
    'EHLO client.example', 'MAIL FROM:<s@example.com> BODY=8BITMIME RET=HDRS ENVID=e+2B1', 'RCPT TO:<r@example.com> NOTIFY=SUCCESS ORCPT=rfc822;r@example.com',
    'DATA', 'Subject: bs', '', '..leading dot', '.', 'MAIL FROM:<>', 'RCPT TO:<>', 'RSET', 'DATA', 'VRFY x', 'BOGUS', 'QUIT',
  ].map((l) => `${l}\r\n`).join('');
  const r = run(inst, 'sendmail', ['-bs'], { input: dialogue });
  assert.equal(r.status, 0, r.stderr);
  const codes = r.stdout.split('\r\n').filter(Boolean).map((l) => l.slice(0, 4));
  assert.deepEqual(codes, [
    '220 ', '250-', '250-', '250-', '250-', '250-', '250 ', '250 ', '250 ', '354 ', '250 ',
    '250 ', '501 ', '250 ', '503 ', '502 ', '502 ', '221 ',
  ], r.stdout);
  assert.match(r.stdout, /^220 mail\.example\.test ESMTP /);
  assert.match(r.stdout, /250-SIZE 2000\r\n/);
  const id = /250 2\.0\.0 Ok: queued as (\w+)/.exec(r.stdout)?.[1];
  const m = await newest(known);
  assert.equal(m.id, id);
  assert.equal(m.qf.sender, 's@example.com');
  assert.deepEqual(m.qf.recipients.map((x) => [x.address, x.notify, x.orcpt]), [['r@example.com', 2, 'rfc822;r@example.com']]);
  assert.equal(m.qf.envid, 'e+1');
  assert.equal(m.qf.ret, 2);
  assert.equal(m.qf.attributes.protocol, 'ESMTP');
  assert.equal(m.qf.attributes.helo_name, 'client.example');
  assert.equal(m.content, 'Subject: bs\n\n.leading dot\n');
  // end of input in the middle of DATA queues nothing
  const cut = run(inst, 'sendmail', ['-bs'], { input: 'HELO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: cut\r\n' });
  assert.equal(cut.status, 0);
  assert.equal(queueFiles(inst, 'maildrop').filter((x) => !known.has(x)).length, 0);
});

test('postdrop writes what it is given and prints the queue ID', async () => {
  const known = new Set(queueFiles(inst, 'maildrop'));
  const env = JSON.stringify({ sender: 'pd@example.com', recipients: [{ address: 'r@example.com' }] });
  const r = run(inst, 'postdrop', [], { input: `${env}\nSubject: pd\n\nbody\n` });
  assert.equal(r.status, 0, r.stderr);
  const m = await newest(known);
  assert.equal(r.stdout.trim(), m.id);
  assert.equal(m.qf.sender, 'pd@example.com');
  assert.equal(m.content, 'Subject: pd\n\nbody\n');
  const bad = run(inst, 'postdrop', [], { input: '{"sender": 1}\nx\n' });
  assert.equal(bad.status, 65);
  assert.match(bad.stderr, /^postdrop: fatal: uid=\d+: malformed input: /);
  assert.equal(run(inst, 'postdrop', ['-x']).status, 64);
  assert.equal(queueFiles(inst, 'maildrop').filter((x) => !known.has(x)).length, 0);
});
