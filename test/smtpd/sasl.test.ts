/*
 * End-to-end: SMTP AUTH in smtpd under master, with the passwd-file backend (hashes made
 * by doveadm's schemes) and with a real Dovecot's auth socket (root only): AUTH refused
 * before TLS and accepted after it, PLAIN and LOGIN with swaks, wrong passwords
 * (535 5.7.8, counted toward the hard error limit), authenticated relay allowed and
 * unauthenticated relay denied, sender login mismatches, Received: ESMTPSA and the
 * Postfix log lines.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { isRoot, ROOT } from '../lib/common.js';
import { freePort } from '../master/instance.js';
import { hasLog, logMessages, startSmtpInstance, stopSmtpInstance, swaks, waitFor, waitIncoming, type SmtpInstance } from './instance.js';
import { b64, SmtpClient, makeCert } from './tls-kit.js';

/** expectLog - wait until a log line matches (the daemons' logs arrive a little later). */
const expectLog = (si: SmtpInstance, re: RegExp): Promise<void> => waitFor(`a log line matching ${re}`, () => hasLog(si, re));

const addMainCf = (etc: string, lines: string[]): void => fs.appendFileSync(path.join(etc, 'main.cf'), `${lines.join('\n')}\n`);

// alice: SHA512-CRYPT "secret"; bob: BLF-CRYPT "secret"; carol: ARGON2ID "secret" (doveadm pw).
const PASSWD = [
  'alice@example.test:{SHA512-CRYPT}$6$zczKKy.O742/vVM6$a5J56Uh6qKYhrrlq5Lo8b4b7zMwRAu.rcwnOgopv2Mxzt0xGZF0Q0Cqf1EeLS2qcb7hoNJb76qP6F4J1n7JUr1::::::',
  'bob@example.test:{BLF-CRYPT}$2y$05$GgTaUK2sHsgEsAYATL6Pqe2AnbOA68rarTSf83tSIPcllSb2ixleC::::::',
  'carol@example.test:{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$Mb4ozpFoCh89qhKIYkhkIg$LB51UN1SV9Gw2dMIeYaL31yyfFnUg+iD/HgnONdLGYw',
  '',
].join('\n');

/** A TLS + AUTH instance on the passwd-file backend; `extra` main.cf lines. */
function saslInstance(extra: string[] = []) {
  return startSmtpInstance(
    [
      'smtpd_tls_security_level = may',
      'smtpd_tls_auth_only = yes',
      'smtpd_sasl_auth_enable = yes',
      'smtpd_sasl_type = passwd-file',
      'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject_unauth_destination',
      ...extra,
    ].join('\n'),
    {},
    (inst) => {
      const c = makeCert(inst.dir);
      fs.writeFileSync(path.join(inst.etc, 'sasl-passwd'), PASSWD, { mode: 0o644 });
      fs.writeFileSync(path.join(inst.etc, 'sender-logins'), 'alice@example.test alice@example.test\nshared@example.test alice@example.test, bob@example.test\n', { mode: 0o644 });
      addMainCf(inst.etc, [
        `smtpd_tls_chain_files = ${c.chain}`,
        `smtpd_sasl_path = ${path.join(inst.etc, 'sasl-passwd')}`,
        `smtpd_sender_login_maps = texthash:${path.join(inst.etc, 'sender-logins')}`,
      ]);
    },
  );
}

test('AUTH: refused before TLS, PLAIN and LOGIN after it; relay for the logged-in only', { timeout: 120_000 }, async (t) => {
  const si = await saslInstance(['smtpd_sasl_authenticated_header = yes']);
  t.after(() => stopSmtpInstance(si));

  const c = await SmtpClient.connect(si.port);
  await c.reply();
  const ehlo = await c.command('EHLO client.example.net');
  assert.doesNotMatch(ehlo, /AUTH/, 'no AUTH before TLS with smtpd_tls_auth_only');
  assert.equal(await c.command(`AUTH PLAIN ${b64('\0alice@example.test\0secret')}`), '504 5.5.4 Encryption required for requested authentication mechanism');
  assert.equal(await c.command('STARTTLS'), '220 2.0.0 Ready to start TLS');
  await c.startTls();
  assert.equal(await c.command('AUTH PLAIN'), '503 5.5.1 Error: send HELO/EHLO first');
  assert.match(await c.command('EHLO client.example.net'), /^250-AUTH PLAIN LOGIN$/m);
  assert.equal(await c.command('AUTH CRAM-MD5'), '535 5.7.8 Error: authentication failed: Invalid authentication mechanism');
  assert.equal(await c.command(`AUTH PLAIN ${b64('\0alice@example.test\0wrong')}`), '535 5.7.8 Error: authentication failed: (reason unavailable)');
  assert.equal(await c.command('AUTH LOGIN'), '334 VXNlcm5hbWU6');
  assert.equal(await c.command(b64('bob@example.test')), '334 UGFzc3dvcmQ6');
  assert.equal(await c.command(b64('secret')), '235 2.7.0 Authentication successful');
  assert.equal(await c.command(`AUTH PLAIN ${b64('\0bob@example.test\0secret')}`), '503 5.5.1 Error: already authenticated');
  assert.match(await c.command('MAIL FROM:<bob@example.test>'), /^250 /);
  assert.match(await c.command('RCPT TO:<friend@elsewhere.example>'), /^250 /, 'an authenticated client may relay');
  assert.equal(await c.command('QUIT'), '221 2.0.0 Bye');
  c.end();

  const r = await swaks(si, ['--tls', '--auth', 'PLAIN', '--auth-user', 'alice@example.test', '--auth-password', 'secret', '--from', 'alice@example.test', '--to', 'far@elsewhere.example']);
  assert.equal(r.status, 0, r.out);
  const [m] = await waitIncoming(si, 1);
  assert.ok(m);
  assert.match(m.content, /^\t\(Authenticated sender: alice@example\.test\)\r?\n\tby mail\.example\.test \(Mailroom\) with ESMTPSA id /m);
  assert.equal(m.qf.attributes.sasl_username, 'alice@example.test');
  assert.equal(m.qf.attributes.sasl_method, 'PLAIN');
  const login = await swaks(si, ['--tls', '--auth', 'LOGIN', '--auth-user', 'carol@example.test', '--auth-password', 'secret', '--from', 'carol@remote.example', '--to', 'alice@example.test']);
  assert.equal(login.status, 0, login.out);

  const anon = await swaks(si, ['--tls', '--from', 'x@remote.example', '--to', 'far@elsewhere.example']);
  assert.notEqual(anon.status, 0);
  assert.match(anon.out, /<~?\*+ +554 5\.7\.1 <far@elsewhere\.example>: Relay access denied/);
  const wrong = await swaks(si, ['--tls', '--auth', 'LOGIN', '--auth-user', 'alice@example.test', '--auth-password', 'nope', '--from', 'alice@example.test', '--to', 'far@elsewhere.example']);
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.out, /<~?\*+ +535 5\.7\.8 Error: authentication failed: \(reason unavailable\)/);

  await expectLog(si, /^\w+: client=localhost\[127\.0\.0\.1\], sasl_method=PLAIN, sasl_username=alice@example\.test$/);
  await waitFor('the SASL warnings', () =>
    hasLog(si, /^warning: localhost\[127\.0\.0\.1\]: SASL PLAIN authentication failed: \(reason unavailable\), sasl_username=alice@example\.test$/) &&
    hasLog(si, /^warning: localhost\[127\.0\.0\.1\]: SASL LOGIN authentication failed: \(reason unavailable\), sasl_username=alice@example\.test$/),
  );
  await expectLog(si, /^disconnect from localhost\[127\.0\.0\.1\] ehlo=2 auth=1\/6 starttls=1 mail=1 rcpt=1 quit=1 commands=7\/12$/);
});

test('failed logins count toward smtpd_hard_error_limit; broken_sasl_auth_clients; noplaintext', { timeout: 60_000 }, async (t) => {
  const si = await saslInstance(['smtpd_hard_error_limit = 3', 'broken_sasl_auth_clients = yes', 'smtpd_sasl_security_options = noanonymous, noplaintext', 'smtpd_sasl_tls_security_options = noanonymous', 'smtpd_tls_auth_only = no']);
  t.after(() => stopSmtpInstance(si));
  const c = await SmtpClient.connect(si.port);
  await c.reply();
  assert.doesNotMatch(await c.command('EHLO client.example.net'), /AUTH/, 'noplaintext: no PLAIN/LOGIN without TLS');
  await c.command('STARTTLS');
  await c.startTls();
  const ehlo = await c.command('EHLO client.example.net');
  assert.match(ehlo, /^250-AUTH PLAIN LOGIN\n250-AUTH=PLAIN LOGIN$/m);
  for (let i = 0; i < 3; i++) assert.match(await c.command(`AUTH PLAIN ${b64('\0alice@example.test\0bad')}`), /^535 5\.7\.8 /);
  assert.equal(await c.command('NOOP'), '421 4.7.0 mail.example.test Error: too many errors');
  c.end();
});

test('smtpd_sender_login_maps: reject_sender_login_mismatch', { timeout: 60_000 }, async (t) => {
  const si = await saslInstance(['smtpd_sender_restrictions = reject_sender_login_mismatch', 'smtpd_tls_auth_only = no']);
  t.after(() => stopSmtpInstance(si));
  const c = await SmtpClient.connect(si.port);
  await c.reply();
  await c.command('EHLO client.example.net');
  await c.command('MAIL FROM:<alice@example.test>');
  assert.equal(await c.command('RCPT TO:<bob@example.test>'), '553 5.7.1 <alice@example.test>: Sender address rejected: not logged in');
  await c.command('RSET');
  assert.equal(await c.command(`AUTH PLAIN ${b64('\0bob@example.test\0secret')}`), '235 2.7.0 Authentication successful');
  await c.command('MAIL FROM:<alice@example.test>');
  assert.equal(await c.command('RCPT TO:<bob@example.test>'), '553 5.7.1 <alice@example.test>: Sender address rejected: not owned by user bob@example.test');
  await c.command('RSET');
  await c.command('MAIL FROM:<shared@example.test>');
  assert.match(await c.command('RCPT TO:<alice@example.test>'), /^250 /);
  await c.command('RSET');
  await c.command('MAIL FROM:<>');
  assert.match(await c.command('RCPT TO:<alice@example.test>'), /^250 /, 'the null sender is not checked');
  c.end();
  await expectLog(si, /^NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.1\]: 553 5\.7\.1 <alice@example\.test>: Sender address rejected: not owned by user bob@example\.test; from=<alice@example\.test> to=<bob@example\.test> proto=ESMTP helo=<client\.example\.net>$/);
});

/** shared/peers/dovecot-lmtp.sh, beside the repository (PEERS.md). */
const DOVECOT = path.resolve(ROOT, '../shared/peers/dovecot-lmtp.sh');
const haveDovecot = isRoot && fs.existsSync(DOVECOT) && fs.existsSync('/usr/sbin/dovecot');

test('smtpd_sasl_type = dovecot: AUTH through a real Dovecot auth socket', { timeout: 90_000, skip: !haveDovecot && 'needs root and dovecot' }, async (t) => {
  const dovecot = fs.mkdtempSync('/tmp/mailroom-dovecot-');
  const lmtpPort = await freePort();
  execFileSync('bash', [DOVECOT, dovecot, String(lmtpPort), 'alice@example.test'], { stdio: 'ignore', timeout: 20_000 });
  t.after(async () => {
    let pid = 0;
    try {
      pid = Number(fs.readFileSync(path.join(dovecot, 'run/master.pid'), 'utf8').trim());
      process.kill(pid);
    } catch {
      // already gone
    }
    for (let i = 0; i < 50 && pid > 0; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        break; // gone: it no longer writes into its directory
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    try {
      fs.rmSync(dovecot, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
    } catch {
      // a straggler of Dovecot's; the directory is in /tmp
    }
  });
  const si = await startSmtpInstance(
    [
      'smtpd_tls_security_level = may',
      'smtpd_sasl_auth_enable = yes',
      'smtpd_sasl_type = dovecot',
      `smtpd_sasl_path = ${dovecot}/run/auth-client`,
      'smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination',
    ].join('\n'),
    {},
    (inst) => addMainCf(inst.etc, [`smtpd_tls_chain_files = ${makeCert(inst.dir).chain}`]),
  );
  t.after(() => stopSmtpInstance(si));
  for (const mech of ['PLAIN', 'LOGIN']) {
    const ok = await swaks(si, ['--tls', '--auth', mech, '--auth-user', 'alice@example.test', '--auth-password', 'secret', '--from', 'alice@example.test', '--to', 'far@elsewhere.example']);
    assert.equal(ok.status, 0, ok.out);
    assert.match(ok.out, /<~ +235 2\.7\.0 Authentication successful/);
  }
  const bad = await swaks(si, ['--tls', '--auth', 'PLAIN', '--auth-user', 'alice@example.test', '--auth-password', 'wrong', '--from', 'alice@example.test', '--to', 'far@elsewhere.example']);
  assert.match(bad.out, /<~?\*+ +535 5\.7\.8 Error: authentication failed: /);
  const msgs = await waitIncoming(si, 2);
  assert.ok(msgs.every((m) => /with ESMTPSA id/.test(m.content)));
  await expectLog(si, /client=localhost\[127\.0\.0\.1\], sasl_method=LOGIN, sasl_username=alice@example\.test$/);
});

/** stockEntry - the commented-out master.cf entry for `port` in etc/master.cf, uncommented, on `newPort`. */
function stockEntry(port: number, newPort: number): string[] {
  const lines = fs.readFileSync(path.join(ROOT, 'etc/master.cf'), 'utf8').split('\n');
  const start = lines.findIndex((l) => l.startsWith(`#127.0.0.1:${port} `));
  assert.ok(start >= 0, `etc/master.cf has the ${port} entry`);
  const out = [(lines[start] as string).slice(1).replace(`:${port} `, `:${newPort} `)];
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith('#  -o ')) break;
    out.push(l.slice(1));
  }
  return out;
}

test("etc/master.cf's submission and smtps entries: TLS and AUTH required, then relay", { timeout: 90_000 }, async (t) => {
  const submission = await freePort();
  const smtps = await freePort();
  const si = await startSmtpInstance('smtpd_sasl_type = passwd-file', {}, (inst) => {
    const c = makeCert(inst.dir);
    fs.writeFileSync(path.join(inst.etc, 'sasl-passwd'), PASSWD, { mode: 0o644 });
    addMainCf(inst.etc, [`smtpd_tls_cert_file = ${c.cert}`, `smtpd_tls_key_file = ${c.key}`, `smtpd_sasl_path = ${path.join(inst.etc, 'sasl-passwd')}`]);
    return [...stockEntry(5870, submission), ...stockEntry(4650, smtps)];
  });
  t.after(() => stopSmtpInstance(si));
  const sub = { ...si, port: submission };
  const plain = await swaks(sub, ['--from', 'alice@example.test', '--to', 'far@elsewhere.example']);
  assert.match(plain.out, /<\*\* +530 5\.7\.0 Must issue a STARTTLS command first/);
  const noAuth = await swaks(sub, ['--tls', '--from', 'alice@example.test', '--to', 'alice@example.test']);
  assert.match(noAuth.out, /<~\* +554 5\.7\.1 <alice@example\.test>: Recipient address rejected: Access denied/);
  const ok = await swaks(sub, ['--tls', '--auth', 'LOGIN', '--auth-user', 'alice@example.test', '--auth-password', 'secret', '--from', 'alice@example.test', '--to', 'far@elsewhere.example']);
  assert.equal(ok.status, 0, ok.out);
  const implicit = await swaks({ ...si, port: smtps }, ['--tlsc', '--auth', 'PLAIN', '--auth-user', 'bob@example.test', '--auth-password', 'secret', '--from', 'bob@example.test', '--to', 'far@elsewhere.example']);
  assert.equal(implicit.status, 0, implicit.out);
  const msgs = await waitIncoming(si, 2);
  assert.ok(msgs.every((m) => /with ESMTPSA id/.test(m.content)));
  // The port 25 service is unchanged: no AUTH there (smtpd_sasl_auth_enable is only set with -o).
  const c = await SmtpClient.connect(si.port);
  await c.reply();
  assert.doesNotMatch(await c.command('EHLO client.example.net'), /AUTH|STARTTLS/);
  c.end();
});
