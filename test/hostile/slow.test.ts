/*
 * Clients that abuse time and connections rather than syntax: early talkers and illegal
 * pipelining (smtpd_forbid_unauth_pipelining, Postfix 3.9's default), idle clients
 * (smtpd_timeout), slowloris clients that trickle one byte per second
 * (smtpd_per_record_deadline), and one address opening more connections than
 * smtpd_client_connection_count_limit. Meanwhile other clients keep being served.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectLog, hasLog, queueFiles, startSmtpInstance, stopSmtpInstance, waitFor } from '../smtpd/instance.js';
import { assertHealthy, assertServed, firstSmtpd, greeted, RawClient, sendOne, sleep } from './lib.js';

const HOST = 'mail.example.test';
const SYNC = '554 5.5.0 Error: SMTP protocol synchronization';

test('illegal pipelining: early talkers, pipelining without EHLO or behind EHLO/DATA', { timeout: 60_000 }, async (t) => {
  const si = await startSmtpInstance();
  t.after(() => stopSmtpInstance(si));
  const pid = await firstSmtpd(si);

  // Sent with the connection. Whether smtpd sees it before its greeting is a race with the
  // client's write (it looks one event-loop turn after accepting): an early talker gets no
  // greeting; one that lost the race is caught at its EHLO, which has MAIL pipelined behind it.
  const early = await RawClient.connect(si.port, 'EHLO client.example.net\r\nMAIL FROM:<a@remote.example>\r\n');
  const first = await early.reply();
  if (first !== SYNC) {
    assert.match(first, /^220 /, 'greeting, when the early talk arrived after it');
    assert.equal(await early.reply(), SYNC, 'pipelining behind EHLO');
  }
  assert.ok(await early.waitClosed());
  await waitFor('the log line', () => hasLog(si, /^improper command pipelining after (CONNECT|EHLO) from localhost\[127\.0\.0\.1\]/), 5000);

  for (const [what, opening, burst, replies] of [
    ['after HELO', false, 'HELO client.example.net\r\nMAIL FROM:<a@remote.example>\r\n', [SYNC]],
    ['behind EHLO', false, 'EHLO client.example.net\r\nMAIL FROM:<a@remote.example>\r\n', [SYNC]],
    ['behind DATA', true, 'MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\nDATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n', ['250 2.1.0 Ok', '250 2.1.5 Ok', SYNC]],
  ] as const) {
    const c = await greeted(si, opening);
    c.write(burst);
    for (const r of replies) assert.equal(await c.reply(), r, what);
    assert.ok(await c.waitClosed(), `${what}: closed`);
  }
  await expectLog(si, /^improper command pipelining after DATA from localhost\[127\.0\.0\.1\]: Subject: x\\r\\n/);
  // RFC 2920 pipelining is fine: MAIL, RCPT, DATA in one go, the message and QUIT in another.
  const c = await greeted(si);
  c.write('MAIL FROM:<a@remote.example>\r\nRCPT TO:<alice@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\n');
  assert.deepEqual([await c.reply(), await c.reply(), await c.reply(), (await c.reply()).slice(0, 3)], ['250 2.1.0 Ok', '250 2.1.5 Ok', '250 2.1.5 Ok', '354']);
  c.write('Subject: pipelined\r\n\r\nok\r\n.\r\nQUIT\r\n');
  assert.match(await c.reply(), /^250 2\.0\.0 Ok: queued as \w+$/);
  assert.equal(await c.reply(), '221 2.0.0 Bye');
  await assertServed(si, 'illegal pipelining');
  assertHealthy(si, pid, 'illegal pipelining');
});

test('idle and slowloris clients end with 421 4.4.2 timeout; others are served meanwhile', { timeout: 90_000 }, async (t) => {
  const si = await startSmtpInstance('smtpd_timeout = 3s\nsmtpd_per_record_deadline = yes');
  t.after(() => stopSmtpInstance(si));
  const pid = await firstSmtpd(si);
  const TIMEOUT = `421 4.4.2 ${HOST} Error: timeout exceeded`;

  /** trickle - write `text` one byte per second until the server closes. */
  const trickle = async (c: RawClient, text: string): Promise<void> => {
    for (const ch of text) {
      if (!c.write(ch)) return;
      await sleep(1000);
    }
  };
  const idle = await greeted(si, false);
  const slowCommand = await greeted(si, false);
  const slowData = await greeted(si);
  assert.equal(await slowData.command('MAIL FROM:<slow@remote.example>'), '250 2.1.0 Ok');
  assert.equal(await slowData.command('RCPT TO:<alice@example.test>'), '250 2.1.5 Ok');
  assert.match(await slowData.command('DATA'), /^354 /);
  const t0 = Date.now();
  const loris = [trickle(slowCommand, `EHLO ${'x'.repeat(60)}.example\r\n`), trickle(slowData, `Subject: ${'y'.repeat(60)}\r\n`)];
  // A crowd of slowloris clients changes nothing for a normal one.
  const crowd = await Promise.all(Array.from({ length: 20 }, () => greeted(si, false)));
  const crowdLoris = crowd.map((c) => trickle(c, 'HELO slow.example.net\r\n'));
  assert.match(await sendOne(si, 'during slowloris'), /^250 2\.0\.0 Ok: queued as \w+$/);

  for (const [name, c] of [['idle', idle], ['slow command', slowCommand], ['slow DATA', slowData]] as const) {
    assert.equal(await c.reply(20_000), TIMEOUT, name);
    assert.ok(await c.waitClosed(), `${name}: closed`);
  }
  assert.ok(Date.now() - t0 < 15_000, 'the deadline ended the trickle long before its 70 bytes were through');
  for (const c of crowd) assert.equal(await c.reply(20_000), TIMEOUT);
  await Promise.all([...loris, ...crowdLoris]);
  await sleep(300);
  assert.equal(queueFiles(si, 'incoming').length, 2, 'the two normal messages; the slow DATA left nothing');
  await waitFor('timeout lines', () => hasLog(si, /^timeout after DATA \(\d+ bytes\) from localhost\[127\.0\.0\.1\]$/) && hasLog(si, /^timeout after CONNECT from localhost\[127\.0\.0\.1\]$/), 5000);
  await assertServed(si, 'slowloris');
  assertHealthy(si, pid, 'slowloris');
});

test('more connections than smtpd_client_connection_count_limit: 421 4.7.0, the rest keep working', { timeout: 60_000 }, async (t) => {
  const si = await startSmtpInstance('smtpd_client_connection_count_limit = 10');
  t.after(() => stopSmtpInstance(si));
  const pid = await firstSmtpd(si);
  const held = await Promise.all(Array.from({ length: 10 }, () => greeted(si, false)));
  const over = await Promise.all(Array.from({ length: 15 }, () => RawClient.connect(si.port)));
  for (const c of over) {
    assert.equal(await c.reply(), `421 4.7.0 ${HOST} Error: too many connections from 127.0.0.1`);
    assert.ok(await c.waitClosed());
  }
  await waitFor('the warning', () => hasLog(si, /^warning: Connection concurrency limit exceeded: 11 from localhost\[127\.0\.0\.1\] for service /), 5000);
  for (const c of held) assert.equal(await c.command('NOOP'), '250 2.0.0 Ok', 'held connections still work');
  for (const c of held) c.destroy();
  await sleep(300);
  await assertServed(si, 'a connection flood');
  assertHealthy(si, pid, 'a connection flood');
});
