/*
 * End-to-end tests of the pipe delivery agent on a complete instance (smtpd, pickup,
 * cleanup, trivial-rewrite, qmgr, bounce, pipe): transport_maps sends each test domain to
 * its own master.cf pipe entry, whose command is a recorder script (argv, uid, stdin) or
 * Dovecot's dovecot-lda (root only). Covers macro expansion, the flags' headers and line
 * conversions, the user= rights, <transport>_destination_recipient_limit (one command per
 * recipient or one for several), exit status 75 (deferred, then retried) and 67 (bounced
 * with 5.1.1 and a notice to the sender), size=, <transport>_time_limit, and the fatal
 * errors of a pipe entry without a safe user= when run as root.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { lookupUser } from '@mailroom/global';
import {
  cleanup, invocations, isRoot, logMessages, MAIL_OWNER, makePipeInstance, run, sendmail, setExit, swaks, waitFor, waitLog, type PipeInstance,
} from './harness.js';
import { ROOT } from '../lib/common.js';

const LDA = '/usr/lib/dovecot/dovecot-lda';
const haveLda = isRoot && fs.existsSync(LDA);

const TRANSPORT = `
pipe.example     rec:
one.example      one:
two.example      two:
fail.example     fail:
limits.example   slow:
big.example      small:
origin.example   catch:
${haveLda ? 'dovecot.example  dovecot:' : ''}
`;

const MAIN_CF = `
transport_maps = texthash:DIR/transport
virtual_alias_maps = texthash:DIR/valias
rec_destination_recipient_limit = 1
one_destination_recipient_limit = 1
two_destination_recipient_limit = 2
fail_destination_recipient_limit = 1
dovecot_destination_recipient_limit = 1
slow_time_limit = 1s
`;

const MASTER_CF = `
rec   unix  -  n  n  -  -  pipe
  flags=FRODXhu.> user=nobody argv=RECORDER rec \${sender} \${recipient} \${user} \${extension} \${domain}
  \${nexthop} \${mailbox} \${original_recipient} \${queue_id} \${size} \${client_address} \${client_helo} x$\${sender} -v
one   unix  -  n  n  -  -  pipe  user=nobody argv=RECORDER one \${recipient}
two   unix  -  n  n  -  -  pipe  user=nobody argv=RECORDER two \${recipient}
fail  unix  -  n  n  -  -  pipe  user=nobody argv=RECORDER fail \${recipient}
catch unix  -  n  n  -  -  pipe  flags=R user=nobody argv=RECORDER catch \${sender} \${recipient}
slow  unix  -  n  n  -  -  pipe  user=nobody argv=/bin/sleep 30
small unix  -  n  n  -  -  pipe  size=100 user=nobody argv=RECORDER small
${haveLda ? 'dovecot unix - n n - - pipe\n  flags=DRhu user=mail:mail argv=/usr/lib/dovecot/dovecot-lda -c DIR/dovecot/dovecot.conf -f ${sender} -a ${recipient}' : ''}
`;

const DOVECOT_CONF = `
first_valid_uid = 1
first_valid_gid = 1
base_dir = DIR/dovecot/run
state_dir = DIR/dovecot/state
log_path = DIR/dovecot/lda.log
ssl = no
protocols =
mail_location = maildir:DIR/dovecot/Maildir
`;

let inst: PipeInstance;

before(async () => {
  inst = await makePipeInstance(MAIN_CF, MASTER_CF, { transport: TRANSPORT, valias: 'alias@pipe.example  Joe+Ext@pipe.example\n' });
  if (haveLda) {
    fs.mkdirSync(path.join(inst.dir, 'dovecot'));
    fs.writeFileSync(path.join(inst.dir, 'dovecot', 'dovecot.conf'), DOVECOT_CONF.replaceAll('DIR', inst.dir));
    const mail = lookupUser('mail');
    if (mail) fs.chownSync(path.join(inst.dir, 'dovecot'), mail.uid, mail.gid);
  }
});

after(() => {
  if (inst) cleanup(inst);
});

const nobody = lookupUser('nobody');

test('argv macros, the flags\' headers and line conversions, and the user= rights', { timeout: 60_000 }, async () => {
  sendmail(inst, 'sender@origin.example', ['alias@pipe.example'], 'Subject: pipe test\nFrom: sender@origin.example\n\n.leading dot\nFrom the body\nlast line\n');
  const line = await waitLog(inst, /^[0-9A-Za-z]+: to=<joe\+ext@pipe\.example>.*relay=rec, .*status=/i);
  assert.match(line, /^([0-9A-Za-z]+): to=<Joe\+Ext@pipe\.example>, orig_to=<alias@pipe\.example>, relay=rec, delay=[\d.]+, delays=[\d./]+, dsn=2\.0\.0, status=sent \(delivered via rec service\)$/);
  const queueId = line.split(':')[0] as string;
  const [call] = invocations(inst, 'rec');
  assert.ok(call, 'the command ran');
  const size = call.args[10];
  assert.deepEqual(call.args, [
    'rec', 'sender@origin.example', 'joe+ext@pipe.example', 'joe', 'ext', 'pipe.example',
    'pipe.example', 'joe+ext', 'alias@pipe.example', queueId, size, '', '', 'x${sender}', '-v',
  ]);
  assert.match(size ?? '', /^\d+$/);
  if (isRoot) assert.deepEqual([call.uid, call.gid], [nobody?.uid, nobody?.gid], 'user=nobody');
  else assert.equal(call.uid, process.getuid?.());
  const lines = call.stdin.split('\n');
  assert.match(lines[0] ?? '', /^From sender@origin\.example  \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/);
  assert.deepEqual(lines.slice(1, 4), ['Return-Path: <sender@origin.example>', 'X-Original-To: alias@pipe.example', 'Delivered-To: Joe+Ext@pipe.example']);
  assert.ok(lines.includes('Subject: pipe test'));
  assert.ok(!call.stdin.includes('\r'), 'eol is LF');
  assert.ok(call.stdin.endsWith('\n\n..leading dot\n>From the body\nlast line\n'), JSON.stringify(call.stdin.slice(-80)));

  // over SMTP: the client macros
  swaks(inst, 'sender@origin.example', ['alias@pipe.example'], 'Subject: via smtp\n\nhello\n', 'client.example');
  await waitFor('a second invocation', () => invocations(inst, 'rec').length === 2, 30_000);
  const smtp = invocations(inst, 'rec')[1];
  assert.deepEqual(smtp?.args.slice(11, 13), ['127.0.0.1', 'client.example']);
});

test('recipient limit 1 runs one command per recipient, 2 one per pair', { timeout: 60_000 }, async () => {
  sendmail(inst, 'sender@origin.example', ['a@one.example', 'b@one.example', 'c@one.example'], 'Subject: one\n\nx\n');
  sendmail(inst, 'sender@origin.example', ['a@two.example', 'b@two.example', 'c@two.example'], 'Subject: two\n\nx\n');
  await waitFor('five invocations', () => invocations(inst, 'one').length + invocations(inst, 'two').length >= 5, 30_000);
  await new Promise((r) => setTimeout(r, 500)); // and no more
  const one = invocations(inst, 'one').map((c) => c.args.slice(1));
  const two = invocations(inst, 'two').map((c) => c.args.slice(1));
  assert.equal(one.length, 3);
  assert.deepEqual(one.flat().sort(), ['a@one.example', 'b@one.example', 'c@one.example']);
  assert.equal(two.length, 2);
  assert.deepEqual(two.map((a) => a.length).sort(), [1, 2], 'one command gets two recipients, one argument each');
  assert.deepEqual(two.flat().sort(), ['a@two.example', 'b@two.example', 'c@two.example']);
  const sent = logMessages(inst).filter((l) => /to=<[abc]@(one|two)\.example>.*status=sent \(delivered via (one|two) service\)$/.test(l));
  assert.equal(sent.length, 6);
});

test('exit status 75 defers and the message is retried; 67 bounces with 5.1.1', { timeout: 90_000 }, async () => {
  setExit(inst, 'fail', 75, 'try again later');
  sendmail(inst, 'sender@origin.example', ['x@fail.example'], 'Subject: retry\n\nx\n');
  await waitLog(inst, /to=<x@fail\.example>, relay=fail, .*dsn=4\.3\.0, status=deferred \(temporary failure\. Command output: try again later\)$/);
  setExit(inst, 'fail', 0);
  await waitLog(inst, /to=<x@fail\.example>, relay=fail, .*dsn=2\.0\.0, status=sent \(delivered via fail service\)$/);
  assert.ok(invocations(inst, 'fail').length >= 2, 'run again');

  setExit(inst, 'fail', 67, 'no such mailbox here');
  sendmail(inst, 'sender@origin.example', ['y@fail.example'], 'Subject: bounce me\n\nx\n');
  await waitLog(inst, /to=<y@fail\.example>, relay=fail, .*dsn=5\.1\.1, status=bounced \(user unknown\. Command output: no such mailbox here\)$/);
  // the notice reaches the sender (origin.example is another pipe transport)
  await waitFor('the bounce notice', () => invocations(inst, 'catch').some((c) => c.stdin.includes('y@fail.example')), 30_000);
  const notice = invocations(inst, 'catch').find((c) => c.stdin.includes('y@fail.example'));
  assert.deepEqual(notice?.args, ['catch', 'MAILER-DAEMON', 'sender@origin.example']);
  assert.match(notice?.stdin ?? '', /^Return-Path: <MAILER-DAEMON>\n/);
  assert.match(notice?.stdin ?? '', /^Final-Recipient: rfc822; ?y@fail\.example$/m);
  assert.match(notice?.stdin ?? '', /^Action: failed$/m);
  assert.match(notice?.stdin ?? '', /^Status: 5\.1\.1$/m);
  assert.match(notice?.stdin ?? '', /user unknown\. Command output: no such mailbox here/);
});

test('success notices (NOTIFY=SUCCESS) say delivered with flag X, relayed without', { timeout: 60_000 }, async () => {
  const seen = invocations(inst, 'catch').length;
  const r1 = run(inst, 'sendmail', ['-N', 'success', '-f', 'sender@origin.example', 'direct@pipe.example'], { input: 'Subject: dsn x\n\nx\n' });
  const r2 = run(inst, 'sendmail', ['-N', 'success', '-f', 'sender@origin.example', 'd@one.example'], { input: 'Subject: dsn one\n\nx\n' });
  assert.deepEqual([r1.status, r2.status], [0, 0], r1.stderr + r2.stderr);
  await waitFor('two success notices', () => invocations(inst, 'catch').length >= seen + 2, 30_000);
  const notices = invocations(inst, 'catch').slice(seen).map((c) => c.stdin);
  const x = notices.find((n) => /^Final-Recipient: rfc822; ?direct@pipe\.example$/m.test(n));
  const one = notices.find((n) => /^Final-Recipient: rfc822; ?d@one\.example$/m.test(n));
  assert.match(x ?? '', /^Action: delivered$/m);
  assert.match(one ?? '', /^Action: relayed$/m);
});

test('flag D: a message that already has the recipient\'s Delivered-To: bounces as a loop, without running the command', { timeout: 60_000 }, async () => {
  const before = invocations(inst, 'rec').length;
  sendmail(inst, 'sender@origin.example', ['alias@pipe.example'], 'Delivered-To: joe+ext@pipe.example\nSubject: loop\n\nx\n');
  await waitLog(inst, /to=<Joe\+Ext@pipe\.example>, orig_to=<alias@pipe\.example>, relay=rec, .*dsn=5\.4\.6, status=bounced \(mail forwarding loop for Joe\+Ext@pipe\.example\)$/);
  assert.equal(invocations(inst, 'rec').length, before);
});

test('size= bounces a larger message with 5.2.3; <transport>_time_limit kills the command', { timeout: 60_000 }, async () => {
  sendmail(inst, 'sender@origin.example', ['u@big.example'], `Subject: big\n\n${'x'.repeat(200)}\n`);
  await waitLog(inst, /to=<u@big\.example>, relay=small, .*dsn=5\.2\.3, status=bounced \(message too large\)$/);
  assert.equal(invocations(inst, 'small').length, 0);
  sendmail(inst, 'sender@origin.example', ['u@limits.example'], 'Subject: slow\n\nx\n');
  await waitLog(inst, /to=<u@limits\.example>, relay=slow, .*dsn=5\.3\.0, status=bounced \(Command time limit exceeded: "\/bin\/sleep"\)$/, 20_000);
});

test('Dovecot\'s dovecot-lda through a pipe transport stores the message in its Maildir', { skip: !haveLda && 'needs root and /usr/lib/dovecot/dovecot-lda', timeout: 60_000 }, async () => {
  sendmail(inst, 'sender@origin.example', ['alice@dovecot.example'], 'Subject: for dovecot\nMessage-ID: <lda1@origin.example>\n\nHello Dovecot.\n');
  await waitLog(inst, /to=<alice@dovecot\.example>, relay=dovecot, .*dsn=2\.0\.0, status=sent \(delivered via dovecot service\)$/);
  const dir = path.join(inst.dir, 'dovecot', 'Maildir', 'new');
  await waitFor('the Maildir file', () => fs.existsSync(dir) && fs.readdirSync(dir).length === 1);
  const file = path.join(dir, fs.readdirSync(dir)[0] as string);
  const text = fs.readFileSync(file, 'utf8');
  assert.match(text, /^Return-Path: <sender@origin\.example>$/m);
  assert.match(text, /^Delivered-To: alice@dovecot\.example$/m);
  assert.match(text, /^Subject: for dovecot$/m);
  assert.match(text, /\n\nHello Dovecot\.\n$/);
  assert.equal(fs.statSync(file).uid, lookupUser('mail')?.uid, 'written as user=mail');
});

test('run as root, a pipe entry without a safe user= (or with privileges dropped) is a fatal configuration error', { skip: !isRoot && 'needs root', timeout: 30_000 }, () => {
  const pipe = path.join(ROOT, 'packages/pipe/dist/main.js');
  for (const [args, want] of [
    [['flags=R', 'argv=/bin/cat'], /fatal: missing user= command-line attribute/],
    [['user=root', 'argv=/bin/cat'], /fatal: user= command-line attribute specifies root privileges/],
    [[`user=${MAIL_OWNER}`, 'argv=/bin/cat'], new RegExp(`fatal: user= command-line attribute specifies mail system owner ${MAIL_OWNER}`)],
    [['-u', 'user=nobody', 'argv=/bin/cat'], /fatal: service bad: pipe must keep root privileges to run commands as user= \(set the master\.cf unpriv field to n\)/],
  ] as const) {
    const r = spawnSync(process.execPath, [pipe, '-n', 'bad', '-t', 'unix', ...args], {
      env: { ...process.env, MAIL_CONFIG: inst.etc }, encoding: 'utf8', timeout: 20_000,
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, want);
  }
});
