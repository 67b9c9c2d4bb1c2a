/*
 * End-to-end TLS and SASL of the smtp delivery agent (the real agent under master)
 * against a real Postfix smtpd (test/lib/postfix.ts; root only) with a self-signed
 * certificate for `localhost`, Postfix's smtp-sink without TLS, and a real Dovecot auth
 * socket behind Postfix's SASL. One agent instance runs one master.cf service per TLS
 * setting (`-o smtp_tls_security_level=...`), so each request picks its policy by
 * transport.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, isRoot, waitFor } from '../master/instance.js';
import { postfixAvailable, startPostfix } from '../lib/postfix.js';
import { agentInstance, dumpDir, dumps, listening, smtpSink, type AgentInstance } from './harness.js';

const DOVECOT = '/work/shared/peers/dovecot-lmtp.sh';

/** certificate - a self-signed key and certificate for CN=localhost (files readable by the agent's user). */
function certificate(dir: string, name: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}-cert.pem`);
  const key = path.join(dir, `${name}-key.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  for (const f of [cert, key]) fs.chmodSync(f, 0o644);
  return { cert, key };
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-smtp-tls-'));
  fs.chmodSync(dir, 0o755);
  return dir;
}

function writeFile(dir: string, name: string, text: string): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, text, { mode: 0o644 });
  return f;
}

/** logged - wait until the agent logged a line for the message that satisfies `pred` (the log is written asynchronously). */
async function logged(sent: { log: () => string[] }, pred: (l: string) => boolean): Promise<void> {
  await waitFor('the log line', () => sent.log().some(pred)).catch(() => assert.fail(`no such log line in:\n${sent.log().join('\n')}`));
}

async function send(ai: AgentInstance, transport: string, nexthop: string) {
  const req = await ai.message({ rcpts: ['u@sink.example'], nexthop, transport });
  const rep = await ai.deliver(req);
  return { req, r: rep.results[0]!, log: () => ai.logFor(req.queueId) };
}

test('smtp TLS against a real Postfix smtpd: may, verify, wrong CA, encrypt fails closed, policy per destination',
  { skip: !postfixAvailable() && 'needs root and postfix' }, async (t) => {
    const dir = tempDir();
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const server = certificate(dir, 'server');
    const other = certificate(dir, 'other');
    const pf = await startPostfix({ tls: { certFile: server.cert, keyFile: server.key } });
    t.after(() => pf.stop());
    const sinkPort = await freePort();
    const policy = writeFile(dir, 'tls_policy', `[127.0.0.1]:${sinkPort} none\n[localhost]:${pf.port} verify match=localhost\n`);
    const ai = await agentInstance([
      'smtp_tls_loglevel = 1', 'smtp_dns_support_level = disabled', `smtp_tls_CAfile = ${server.cert}`,
      'smtp_connection_cache_on_demand = no',
    ].join('\n'), [
      'tlsmay unix - - n - - smtp -o smtp_tls_security_level=may',
      'tlsverify unix - - n - - smtp -o smtp_tls_security_level=verify',
      `tlsbadca unix - - n - - smtp -o smtp_tls_security_level=verify -o smtp_tls_CAfile=${other.cert}`,
      'tlsencrypt unix - - n - - smtp -o smtp_tls_security_level=encrypt',
      `tlspolicy unix - - n - - smtp -o smtp_tls_security_level=encrypt -o smtp_tls_policy_maps=texthash:${policy}`,
    ]);
    t.after(() => ai.cleanup());
    const dumped = dumpDir(ai);
    smtpSink(ai, `127.0.0.1:${sinkPort}`, ['-d', `${dumped}/%H%M%S.`]);
    await listening('127.0.0.1', sinkPort);
    const postfix = `[localhost]:${pf.port}`;
    const relay = `localhost[127.0.0.1]:${pf.port}`;

    const may = await send(ai, 'tlsmay', postfix);
    assert.equal(may.r.status, 'sent', may.r.reason);
    assert.equal(may.r.relay, relay);
    await logged(may, (l) => new RegExp(`^Trusted TLS connection established to localhost\\[127\\.0\\.0\\.1\\]:${pf.port}: TLSv1\\.3 with cipher \\S+ \\(\\d+/\\d+ bits\\)`).test(l));
    await pf.waitForLog(/smtpd\[\d+\]: Anonymous TLS connection established from localhost\[127\.0\.0\.1\]: TLSv1\.3/);
    await pf.waitForLog(/to=<u@sink\.example>, relay=none, .*status=sent/);

    const verified = await send(ai, 'tlsverify', postfix);
    assert.equal(verified.r.status, 'sent', verified.r.reason);
    await logged(verified, (l) => l.startsWith(`Verified TLS connection established to ${relay}: TLSv1.3`));

    const badCa = await send(ai, 'tlsbadca', postfix);
    assert.deepEqual([badCa.r.status, badCa.r.dsn, badCa.r.reason, badCa.r.relay], ['deferred', '4.7.5', 'Server certificate not verified', relay]);
    await logged(badCa, (l) => l.startsWith(`certificate verification failed for ${relay}: `));

    const sinkHop = `[127.0.0.1]:${sinkPort}`;
    const closed = await send(ai, 'tlsencrypt', sinkHop);
    assert.deepEqual([closed.r.status, closed.r.dsn, closed.r.reason],
      ['deferred', '4.7.4', 'TLS is required, but was not offered by host 127.0.0.1[127.0.0.1]']);

    const sinkByPolicy = await send(ai, 'tlspolicy', sinkHop);
    assert.equal(sinkByPolicy.r.status, 'sent', 'the policy table says none for the TLS-less sink');
    await waitFor('the message in smtp-sink', () => dumps(dumped).length > 0);
    assert.equal(dumps(dumped).length, 1, 'only the message allowed in clear reached smtp-sink');
    const postfixByPolicy = await send(ai, 'tlspolicy', postfix);
    assert.equal(postfixByPolicy.r.status, 'sent', postfixByPolicy.r.reason);
    await logged(postfixByPolicy, (l) => l.startsWith(`Verified TLS connection established to ${relay}`));
    await waitFor('both messages sent through Postfix', () => pf.log().filter((l) => /to=<u@sink\.example>, relay=none, .*status=sent/.test(l)).length >= 3);
  });

test('smtp SASL client against Postfix smtpd with Dovecot auth: authenticated relay, wrong password defers, none is refused',
  { skip: !(postfixAvailable() && isRoot && fs.existsSync(DOVECOT) && fs.existsSync('/usr/sbin/dovecot')) && 'needs root, postfix and dovecot' },
  async (t) => {
    const dir = tempDir();
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const server = certificate(dir, 'server');
    const dovecotDir = path.join(dir, 'dovecot');
    execFileSync(DOVECOT, [dovecotDir, String(await freePort()), 'alice@example.org'], { stdio: 'ignore', timeout: 20_000 });
    const dovecotPid = Number(fs.readFileSync(path.join(dovecotDir, 'run', 'master.pid'), 'utf8').trim());
    t.after(() => {
      try {
        process.kill(dovecotPid, 'SIGTERM');
      } catch {
        // gone
      }
    });
    const pf = await startPostfix({
      tls: { certFile: server.cert, keyFile: server.key },
      dovecotAuthSocket: path.join(dovecotDir, 'run', 'auth-client'),
      mainCf: ['smtpd_relay_restrictions = permit_sasl_authenticated, reject'],
    });
    t.after(() => pf.stop());
    const hop = `[localhost]:${pf.port}`;
    const good = writeFile(dir, 'sasl_ok', `${hop} alice@example.org:secret\n`);
    const bad = writeFile(dir, 'sasl_bad', `localhost alice@example.org:wrong\n`);
    const common = '-o smtp_tls_security_level=encrypt -o smtp_sasl_auth_enable=yes -o smtp_sasl_tls_security_options=noanonymous';
    const ai = await agentInstance('smtp_dns_support_level = disabled\nsmtp_connection_cache_on_demand = no', [
      `authok unix - - n - - smtp ${common} -o smtp_sasl_password_maps=texthash:${good}`,
      `authbad unix - - n - - smtp ${common} -o smtp_sasl_password_maps=texthash:${bad}`,
      'noauth unix - - n - - smtp -o smtp_tls_security_level=may',
    ]);
    t.after(() => ai.cleanup());

    const ok = await send(ai, 'authok', hop);
    assert.equal(ok.r.status, 'sent', ok.r.reason);
    await pf.waitForLog(/client=localhost\[127\.0\.0\.1\], sasl_method=PLAIN, sasl_username=alice@example\.org/);

    const wrong = await send(ai, 'authbad', hop);
    assert.deepEqual([wrong.r.status, wrong.r.dsn], ['deferred', '4.7.8']);
    assert.match(wrong.r.reason, /^SASL authentication failed; server localhost\[127\.0\.0\.1\] said: 535 5\.7\.8 Error: authentication failed/);

    const anonymous = await send(ai, 'noauth', hop);
    assert.deepEqual([anonymous.r.status, anonymous.r.dsn], ['bounced', '5.7.1']);
    assert.match(anonymous.r.reason, /Recipient address rejected: Access denied \(in reply to RCPT TO command\)$/);
  });
