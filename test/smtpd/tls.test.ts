/*
 * End-to-end: smtpd's TLS under master with the real cleanup and trivial-rewrite:
 * STARTTLS at `may` and `encrypt` (swaks --tls, openssl s_client -starttls smtp),
 * commands pipelined behind STARTTLS thrown away, the protocol floor, Received: and
 * the Postfix log lines, a missing certificate, and implicit TLS on a second port
 * (smtpd_tls_wrappermode, as the smtps entry of master.cf).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from '../master/instance.js';
import { hasLog, logMessages, startSmtpInstance, stopSmtpInstance, swaks, waitFor, waitIncoming, type SmtpInstance } from './instance.js';
import { SmtpClient, makeCert, sClient } from './tls-kit.js';

/** expectLog - wait until a log line matches (the daemons' logs arrive a little later). */
const expectLog = (si: SmtpInstance, re: RegExp): Promise<void> => waitFor(`a log line matching ${re}`, () => hasLog(si, re));

const addMainCf = (etc: string, lines: string[]): void => fs.appendFileSync(path.join(etc, 'main.cf'), `${lines.join('\n')}\n`);

test('STARTTLS at may: offered, swaks --tls delivers, Received: says ESMTPS, the TLS log line', { timeout: 90_000 }, async (t) => {
  const si = await startSmtpInstance('smtpd_tls_security_level = may\nsmtpd_tls_loglevel = 1\nsmtpd_tls_received_header = yes', {}, (inst) => {
    const c = makeCert(inst.dir);
    addMainCf(inst.etc, [`smtpd_tls_cert_file = ${c.cert}`, `smtpd_tls_key_file = ${c.key}`]);
  });
  t.after(() => stopSmtpInstance(si));

  const plain = await SmtpClient.connect(si.port);
  assert.match(await plain.reply(), /^220 /);
  const ehlo = await plain.command('EHLO client.example.net');
  assert.match(ehlo, /^250-STARTTLS$/m);
  assert.doesNotMatch(ehlo, /AUTH/);
  assert.equal(await plain.command('STARTTLS now'), '501 5.5.4 Syntax: STARTTLS');
  assert.equal(await plain.command('STARTTLS'), '220 2.0.0 Ready to start TLS');
  await plain.startTls();
  assert.equal(plain.tlsSocket?.getProtocol(), 'TLSv1.3');
  assert.equal(await plain.command('MAIL FROM:<a@remote.example>'), '503 5.5.1 Error: send HELO/EHLO first', 'STARTTLS forgets the EHLO');
  const ehlo2 = await plain.command('EHLO client.example.net');
  assert.doesNotMatch(ehlo2, /STARTTLS/);
  assert.equal(await plain.command('STARTTLS'), '554 5.5.1 Error: TLS already active');
  assert.equal(await plain.command('QUIT'), '221 2.0.0 Bye');
  plain.end();

  const r = await swaks(si, ['--tls', '--from', 'sender@remote.example', '--to', 'alice@example.test', '--header', 'Subject: over TLS']);
  assert.equal(r.status, 0, r.out);
  assert.match(r.out, /TLS started with cipher TLSv1\.3/);
  const [m] = await waitIncoming(si, 1);
  assert.ok(m);
  assert.match(m.content, /^Received: from client\.example\.net \(localhost \[127\.0\.0\.1\]\)\r?\n\t\(using TLSv1\.3 with cipher TLS_\w+ \(\d+\/\d+ bits\)\)\r?\n\tby mail\.example\.test \(Mailroom\) with ESMTPS id /m);
  assert.equal(m.qf.attributes.protocol, 'ESMTPS');
  await expectLog(si, /^Anonymous TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.3 with cipher TLS_\w+ \(\d+\/\d+ bits\)$/);
  await expectLog(si, /^disconnect from localhost\[127\.0\.0\.1\] ehlo=2 starttls=1 mail=1 rcpt=1 data=1 quit=1 commands=7$/);

  // openssl: TLS 1.2 works, TLS 1.1 is below smtpd_tls_protocols' floor.
  const s12 = await sClient(['-starttls', 'smtp', '-connect', `127.0.0.1:${si.port}`, '-tls1_2', '-brief'], 'QUIT\r\n');
  assert.match(s12.out, /Protocol version: TLSv1\.2/, s12.out);
  const s11 = await sClient(['-starttls', 'smtp', '-connect', `127.0.0.1:${si.port}`, '-tls1_1', '-brief'], 'QUIT\r\n');
  assert.doesNotMatch(s11.out, /Protocol version: TLSv1\.1/, s11.out);
});

test('commands pipelined behind STARTTLS never run in the TLS session (CVE-2011-0411)', { timeout: 60_000 }, async (t) => {
  const si = await startSmtpInstance('smtpd_tls_security_level = may', {}, (inst) => {
    addMainCf(inst.etc, [`smtpd_tls_chain_files = ${makeCert(inst.dir).chain}`]);
  });
  t.after(() => stopSmtpInstance(si));
  const inject = 'STARTTLS\r\nMAIL FROM:<evil@remote.example>\r\nRCPT TO:<alice@example.test>\r\n';
  // Default (smtpd_forbid_unauth_pipelining = yes): pipelining after STARTTLS is refused outright.
  const c = await SmtpClient.connect(si.port);
  await c.reply();
  await c.command('EHLO client.example.net');
  c.send(inject);
  assert.equal(await c.reply(), '554 5.5.0 Error: SMTP protocol synchronization');
  c.end();
  await expectLog(si, /^improper command pipelining after STARTTLS from localhost\[127\.0\.0\.1\]: MAIL FROM:<evil@remote\.example>/);

  // Without that check the TLS layer itself throws the plaintext away (smtp-server retires its parser).
  const lax = await startSmtpInstance('smtpd_tls_security_level = may\nsmtpd_forbid_unauth_pipelining = no', {}, (inst) => {
    addMainCf(inst.etc, [`smtpd_tls_chain_files = ${makeCert(inst.dir).chain}`]);
  });
  t.after(() => stopSmtpInstance(lax));
  const d = await SmtpClient.connect(lax.port);
  await d.reply();
  await d.command('EHLO client.example.net');
  d.send(inject);
  assert.equal(await d.reply(), '220 2.0.0 Ready to start TLS');
  await d.startTls();
  assert.match(await d.command('EHLO client.example.net'), /^250-mail\.example\.test/, 'the first reply in TLS answers our EHLO');
  assert.equal(await d.command('RCPT TO:<alice@example.test>'), '503 5.5.1 Error: need MAIL command', 'the injected MAIL never ran');
  assert.equal(await d.command('QUIT'), '221 2.0.0 Bye');
  d.end();
});

test('encrypt: MAIL needs STARTTLS first (530 5.7.0); openssl s_client -starttls smtp delivers', { timeout: 60_000 }, async (t) => {
  // s_client writes its whole input at once: a pipelined EHLO, which Postfix 3.9 refuses by default.
  const si = await startSmtpInstance('smtpd_tls_security_level = encrypt\nsmtpd_forbid_unauth_pipelining = no', {}, (inst) => {
    const c = makeCert(inst.dir);
    addMainCf(inst.etc, [`smtpd_tls_cert_file = ${c.chain}`]);
  });
  t.after(() => stopSmtpInstance(si));
  const plain = await swaks(si, ['--from', 'sender@remote.example', '--to', 'alice@example.test']);
  assert.notEqual(plain.status, 0);
  assert.match(plain.out, /<\*\* +530 5\.7\.0 Must issue a STARTTLS command first/);
  const dialogue = ['EHLO client.example.net', 'MAIL FROM:<sender@remote.example>', 'RCPT TO:<bob@example.test>', 'DATA', 'Subject: s_client', '', 'hello', '.', 'QUIT', ''].join('\r\n');
  const r = await sClient(['-starttls', 'smtp', '-connect', `127.0.0.1:${si.port}`, '-quiet', '-ign_eof'], dialogue);
  assert.match(r.out, /250 2\.0\.0 Ok: queued as \w+/, r.out);
  const [m] = await waitIncoming(si, 1);
  assert.ok(m);
  assert.deepEqual(m.qf.recipients.map((x) => x.address), ['bob@example.test']);
  assert.match(m.content, /with ESMTPS id/);
});

test('a missing certificate: warned, no STARTTLS at may; 454 4.7.0 at encrypt', { timeout: 60_000 }, async (t) => {
  const si = await startSmtpInstance('smtpd_tls_security_level = may\nsmtpd_tls_cert_file = /nonexistent/cert.pem');
  t.after(() => stopSmtpInstance(si));
  const c = await SmtpClient.connect(si.port);
  await c.reply();
  assert.doesNotMatch(await c.command('EHLO client.example.net'), /STARTTLS/);
  assert.equal(await c.command('STARTTLS'), '454 4.7.0 TLS not available due to local problem');
  assert.match(await c.command('MAIL FROM:<sender@remote.example>'), /^250 /, 'mail still flows at may');
  c.end();
  await expectLog(si, /^warning: cannot load the TLS server certificate and key: .*nonexistent\/cert\.pem.*: disabling TLS support$/);

  const enc = await startSmtpInstance('smtpd_tls_security_level = encrypt\nsmtpd_tls_cert_file = /nonexistent/cert.pem');
  t.after(() => stopSmtpInstance(enc));
  const e = await SmtpClient.connect(enc.port);
  await e.reply();
  await e.command('EHLO client.example.net');
  assert.equal(await e.command('MAIL FROM:<sender@remote.example>'), '454 4.7.0 TLS not available due to local problem');
  e.end();
});

test('smtpd_tls_wrappermode: implicit TLS on its own port (swaks --tlsc, the smtps service)', { timeout: 60_000 }, async (t) => {
  const smtps = await freePort();
  const si = await startSmtpInstance('smtpd_tls_security_level = may\nsmtpd_tls_loglevel = 1', {}, (inst) => {
    const c = makeCert(inst.dir);
    addMainCf(inst.etc, [`smtpd_tls_cert_file = ${c.cert}`, `smtpd_tls_key_file = ${c.key}`]);
    return [`127.0.0.1:${smtps} inet n - n - - smtpd`, '  -o smtpd_tls_wrappermode=yes'];
  });
  t.after(() => stopSmtpInstance(si));
  const r = await swaks(si, ['--server', `127.0.0.1:${smtps}`, '--tlsc', '--from', 'sender@remote.example', '--to', 'alice@example.test']);
  assert.equal(r.status, 0, r.out);
  const [m] = await waitIncoming(si, 1);
  assert.ok(m);
  assert.match(m.content, /with ESMTPS id/);
  const c = await SmtpClient.connect(smtps, true);
  assert.match(await c.reply(), /^220 mail\.example\.test ESMTP/);
  assert.doesNotMatch(await c.command('EHLO client.example.net'), /STARTTLS/);
  c.end();
  await waitFor('connect then TLS lines', () => logMessages(si).filter((l) => l.startsWith('Anonymous TLS connection established')).length >= 2);
  const lines = logMessages(si);
  const connect = lines.findIndex((l) => l.startsWith('connect from'));
  // A client that talks plain SMTP to the TLS port: the handshake fails, logged as Postfix does.
  const junk = await SmtpClient.connect(smtps);
  junk.send('EHLO client.example.net\r\n');
  assert.ok(await junk.waitClosed(), 'the server hangs up');
  await expectLog(si, /^SSL_accept error from unknown\[127\.0\.0\.1\]: /);
  const tlsLine = lines.findIndex((l) => l.startsWith('Anonymous TLS connection established'));
  assert.ok(connect >= 0 && connect < tlsLine, 'connect from comes first, as Postfix logs it');
});
