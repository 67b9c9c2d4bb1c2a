/*
 * End-to-end: smtpd under master with the real cleanup and trivial-rewrite, driven by
 * swaks, Python's smtplib and raw sockets: relay control, unknown users, size, SMTP
 * smuggling, a client vanishing mid-DATA, pipelining with DSN parameters into the queue
 * file, access tables, and the Postfix log lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  expectLog,
  hasLog,
  logMessages,
  python,
  queueFiles,
  rawSession,
  startSmtpInstance,
  stopSmtpInstance,
  swaks,
  waitFor,
  waitIncoming,
} from './instance.js';

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('swaks: delivery into the queue, relay denied, unknown user, oversize', { timeout: 90_000 }, async (t) => {
  const si = await startSmtpInstance('message_size_limit = 4000\nsmtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination');
  t.after(() => stopSmtpInstance(si));

  const ok = await swaks(si, ['--from', 'sender@remote.example', '--to', 'alice@example.test', '--header', 'Subject: hello', '--body', 'first message']);
  assert.equal(ok.status, 0, ok.out);
  assert.match(ok.out, /<-  250 2\.0\.0 Ok: queued as (\w+)/);
  const [m] = await waitIncoming(si, 1);
  assert.ok(m);
  assert.equal(m.qf.sender, 'sender@remote.example');
  assert.deepEqual(m.qf.recipients.map((r) => r.address), ['alice@example.test']);
  assert.match(m.content, /^Received: from client\.example\.net \(localhost \[127\.0\.0\.1\]\)/m);
  assert.match(m.content, /^Subject: hello\r?$/m);
  assert.equal(m.qf.attributes.client_address, '127.0.0.1');

  const relay = await swaks(si, ['--from', 'sender@remote.example', '--to', 'victim@elsewhere.example']);
  assert.notEqual(relay.status, 0);
  assert.match(relay.out, /<\*\* +554 5\.7\.1 <victim@elsewhere\.example>: Relay access denied/);

  const root = await swaks(si, ['--from', 'sender@remote.example', '--to', 'root@example.test']);
  assert.equal(root.status, 0, `root is in /etc/passwd (unix:passwd.byname): ${root.out}`);
  const unknown = await swaks(si, ['--from', 'sender@remote.example', '--to', 'nosuchuser@example.test']);
  assert.match(unknown.out, /<\*\* +550 5\.1\.1 <nosuchuser@example\.test>: Recipient address rejected: User unknown in local recipient table/);

  const big = await swaks(si, ['--from', 'sender@remote.example', '--to', 'bob@example.test', '--body', 'x'.repeat(8000)]);
  assert.match(big.out, /<\*\* +552 5\.3\.4 Error: message file too big/);
  await settle(300);
  assert.equal(queueFiles(si, 'incoming').length, 2, 'only the two good messages were queued');
  await waitFor('five disconnect lines', () => logMessages(si).filter((l) => l.startsWith('disconnect from ')).length >= 5, 5000);
  await expectLog(si, /^NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.1\]: 554 5\.7\.1 <victim@elsewhere\.example>: Relay access denied; from=<sender@remote\.example> to=<victim@elsewhere\.example> proto=ESMTP helo=<client\.example\.net>$/);
  await expectLog(si, /^disconnect from localhost\[127\.0\.0\.1\] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5$/);
  await expectLog(si, /^\w+: client=localhost\[127\.0\.0\.1\]$/);
});

test('the default configuration is not an open relay; mynetworks may relay', { timeout: 60_000 }, async (t) => {
  const si = await startSmtpInstance();
  t.after(() => stopSmtpInstance(si));
  const out = await swaks(si, ['--from', 'a@remote.example', '--to', 'victim@elsewhere.example']);
  assert.match(out.out, /<\*\* +450 4\.7\.1 <victim@elsewhere\.example>: Relay access denied/, 'defer_unauth_destination');
  const local = await startSmtpInstance('mynetworks = 127.0.0.0/8');
  t.after(() => stopSmtpInstance(local));
  const relayed = await swaks(local, ['--from', 'a@remote.example', '--to', 'friend@elsewhere.example']);
  assert.equal(relayed.status, 0, relayed.out);
  const [m] = await waitIncoming(local, 1);
  assert.deepEqual(m?.qf.recipients.map((r) => r.address), ['friend@elsewhere.example']);
});

const SMUGGLE_SCRIPT = `
import socket, sys, json, time
port = int(sys.argv[1])
variants = {
  'lf.lf': b'hi\\n.\\n',
  'crlf.lf': b'hi\\r\\n.\\n',
  'lf.crlf': b'hi\\n.\\r\\n',
  'cr.cr': b'hi\\r.\\r',
  'crlf.cr': b'hi\\r\\n.\\r',
}
smuggled = b'MAIL FROM:<admin@example.test>\\r\\nRCPT TO:<bob@example.test>\\r\\nDATA\\r\\nSubject: smuggled\\r\\n\\r\\nevil\\r\\n.\\r\\n'
out = {}
for name, end in variants.items():
  s = socket.create_connection(('127.0.0.1', port), timeout=20)
  f = s.makefile('rb')
  def reply():
    lines = []
    while True:
      l = f.readline()
      if not l: return ' '.join(lines)
      lines.append(l.decode().strip())
      if l[3:4] != b'-': return ' '.join(lines)
  reply()
  for cmd in [b'EHLO client.example.net', b'MAIL FROM:<a@remote.example>', b'RCPT TO:<alice@example.test>', b'DATA']:
    s.sendall(cmd + b'\\r\\n'); reply()
  s.sendall(b'Subject: first\\r\\n\\r\\n' + end + smuggled)
  first = reply()
  s.sendall(b'QUIT\\r\\n')
  out[name] = [first, reply()]
  s.close()
print(json.dumps(out))
`;

test('SMTP smuggling: each Dec 2023 variant is refused (default) or kept inside one message (normalize)', { timeout: 90_000 }, async (t) => {
  const si = await startSmtpInstance();
  t.after(() => stopSmtpInstance(si));
  const res = await python<Record<string, [string, string]>>(si, SMUGGLE_SCRIPT);
  for (const [name, [first, quit]] of Object.entries(res)) {
    assert.match(first, /^550 5\.5\.2 mail\.example\.test Error: bare <(LF|CR)> received$/, name);
    assert.equal(quit, '221 2.0.0 Bye', `${name}: the session is in step`);
  }
  await settle(300);
  assert.equal(queueFiles(si, 'incoming').length, 0, 'nothing queued, nothing smuggled');
  await waitFor('the rejection in the log', () => hasLog(si, /reject: END-OF-MESSAGE from localhost\[127\.0\.0\.1\]: 550 5\.5\.2 mail\.example\.test Error: bare <LF> received/), 5000);

  const n = await startSmtpInstance('smtpd_forbid_bare_newline = normalize');
  t.after(() => stopSmtpInstance(n));
  const res2 = await python<Record<string, [string, string]>>(n, SMUGGLE_SCRIPT);
  for (const [name, [first]] of Object.entries(res2)) assert.match(first, /^250 2\.0\.0 Ok: queued as \w+$/, name);
  const msgs = await waitIncoming(n, 5);
  await settle(300);
  assert.equal(queueFiles(n, 'incoming').length, 5, 'one message per session, none smuggled');
  for (const m of msgs) {
    assert.deepEqual(m.qf.recipients.map((r) => r.address), ['alice@example.test'], 'the smuggled RCPT never became a recipient');
    assert.equal(m.qf.sender, 'a@remote.example');
    assert.match(m.content, /MAIL FROM:<admin@example\.test>/, 'the attempt stays message text');
    assert.doesNotMatch(m.content, /[^\r]\n/, 'no bare LF reaches the queue');
  }
});

test('bare LF in a command line: 550 5.5.2 and disconnect', { timeout: 60_000 }, async (t) => {
  const si = await startSmtpInstance();
  t.after(() => stopSmtpInstance(si));
  const lines = await rawSession(si, ['EHLO client.example.net\n', 'NOOP\r\n']);
  assert.deepEqual(lines, ['220 mail.example.test ESMTP Mailroom', '550 5.5.2 mail.example.test Error: bare <LF> received']);
  await waitFor('the rejection in the log', () => hasLog(si, /^NOQUEUE: reject: EHLO from localhost\[127\.0\.0\.1\]: 550 5\.5\.2 mail\.example\.test Error: bare <LF> received; proto=SMTP$/), 5000);
});

test('a client that disconnects in the middle of DATA leaves nothing in the queue', { timeout: 60_000 }, async (t) => {
  const si = await startSmtpInstance();
  t.after(() => stopSmtpInstance(si));
  await rawSession(si, ['EHLO client.example.net\r\n', 'MAIL FROM:<a@remote.example>\r\n', 'RCPT TO:<alice@example.test>\r\n', 'DATA\r\n', `Subject: cut\r\n\r\n${'line\r\n'.repeat(2000)}`], 800);
  await waitFor('the lost connection to be logged', () => hasLog(si, /^lost connection after DATA \(\d+ bytes\) from localhost\[127\.0\.0\.1\]$/), 10_000);
  await settle(500);
  for (const q of ['incoming', 'active', 'hold', 'corrupt']) assert.deepEqual(queueFiles(si, q), [], `${q}/ is empty`);
  await expectLog(si, /^\w+: client=localhost\[127\.0\.0\.1\]$/);
});

test('smtplib with PIPELINING: DSN parameters reach the queue file', { timeout: 60_000 }, async (t) => {
  const si = await startSmtpInstance();
  t.after(() => stopSmtpInstance(si));
  const r = await python<{ refused: Record<string, [number, string]>; features: string[] }>(si, `
import smtplib, json, sys
s = smtplib.SMTP('127.0.0.1', int(sys.argv[1]), timeout=20)
s.ehlo('client.example.net')
feats = sorted(s.esmtp_features.keys())
msg = b'From: a@remote.example\\r\\nTo: alice@example.test\\r\\nSubject: dsn\\r\\n\\r\\nbody\\r\\n'
refused = s.sendmail('a@remote.example', ['alice@example.test', 'bob@example.test', 'ghost@example.test'], msg,
  mail_options=['RET=HDRS', 'ENVID=QQ314159'], rcpt_options=['NOTIFY=SUCCESS,FAILURE', 'ORCPT=rfc822;alice@example.test'])
s.quit()
print(json.dumps({'refused': {k: [v[0], v[1].decode()] for k, v in refused.items()}, 'features': feats}))
`);
  assert.deepEqual(r.features, ['8bitmime', 'dsn', 'enhancedstatuscodes', 'pipelining', 'size', 'smtputf8']);
  assert.deepEqual(r.refused, { 'ghost@example.test': [550, '5.1.1 <ghost@example.test>: Recipient address rejected: User unknown in local recipient table'] });
  const [m] = await waitIncoming(si, 1);
  assert.ok(m);
  assert.equal(m.qf.envid, 'QQ314159');
  assert.equal(m.qf.ret, 2);
  assert.deepEqual(
    m.qf.recipients.map((x) => [x.address, x.notify, x.orcpt]),
    [
      ['alice@example.test', 10, 'rfc822;alice@example.test'],
      ['bob@example.test', 10, 'rfc822;alice@example.test'],
    ],
  );
});

test('access tables and HELO checks in a live configuration', { timeout: 60_000 }, async (t) => {
  const si = await startSmtpInstance([
    'smtpd_helo_restrictions = reject_invalid_helo_hostname, reject_non_fqdn_helo_hostname',
    'smtpd_sender_restrictions = check_sender_access texthash:$config_directory/senders',
    'smtpd_recipient_restrictions = check_recipient_access texthash:$config_directory/recipients',
  ].join('\n'));
  t.after(() => stopSmtpInstance(si));
  // Tables are opened at first use, so they may be written after the start.
  fs.writeFileSync(path.join(si.etc, 'senders'), 'spammer.example REJECT we know you\n', { mode: 0o644 });
  fs.writeFileSync(path.join(si.etc, 'recipients'), 'bob@example.test 450 4.2.1 mailbox busy\n', { mode: 0o644 });
  const helo = await swaks(si, ['--helo', 'localhost', '--from', 'a@remote.example', '--to', 'alice@example.test']);
  assert.match(helo.out, /<\*\* +504 5\.5\.2 <localhost>: Helo command rejected: need fully-qualified hostname/);
  const sender = await swaks(si, ['--from', 'x@spammer.example', '--to', 'alice@example.test']);
  assert.match(sender.out, /<\*\* +554 5\.7\.1 <x@spammer\.example>: Sender address rejected: we know you/);
  const busy = await swaks(si, ['--from', 'a@remote.example', '--to', 'bob@example.test']);
  assert.match(busy.out, /<\*\* +450 4\.2\.1 <bob@example\.test>: Recipient address rejected: mailbox busy/);
});
