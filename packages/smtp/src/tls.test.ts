/*
 * TLS security levels of the client against the scripted server (testing.ts), with a
 * throw-away self-signed certificate for CN=fake.example: fail closed at encrypt,
 * verify/secure name checks with smtp_tls_CAfile, fingerprints, per-destination policy,
 * and the pure name-matching rules.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { deliverRequest } from './deliver.js';
import { FakeServer, selfSignedCert, testAgent } from './testing.js';
import { namesMatch, nameMatches } from './tls.js';

interface Run {
  status?: string;
  dsn?: string;
  reason?: string;
  tls: boolean | undefined;
  log: string[];
}

/** deliverOnce - one message to a fresh scripted server with main.cf `settings` (a function of the test dir and port). */
async function deliverOnce(settings: (dir: string, port: number, cert: { key: string; cert: string }) => Record<string, string>, serverTls = true): Promise<Run> {
  const probe = testAgent({});
  const cert = selfSignedCert(probe.dir);
  const srv = new FakeServer(serverTls ? { tls: cert } : {});
  const port = await srv.start();
  const agent = testAgent({ inet_protocols: 'ipv4', smtp_tls_loglevel: '1', ...settings(probe.dir, port, cert) });
  try {
    const out = await deliverRequest(await agent.request({ rcpts: ['u@example.net'], nexthop: `[127.0.0.1]:${port}` }), agent.ctx, agent.state);
    const r = out.results[0];
    return { status: r?.status, dsn: r?.dsn, reason: r?.reason, tls: srv.messages[0]?.tls, log: agent.logLines() };
  } finally {
    agent.cleanup();
    probe.cleanup();
    await srv.stop();
  }
}

test('tls: encrypt fails closed when the server offers no STARTTLS', async () => {
  const r = await deliverOnce(() => ({ smtp_tls_security_level: 'encrypt' }), false);
  assert.deepEqual([r.status, r.dsn, r.tls], ['deferred', '4.7.4', undefined]);
  assert.match(r.reason ?? '', /^TLS is required, but was not offered by host 127\.0\.0\.1\[127\.0\.0\.1\]$/);
});

test('tls: encrypt sends over an unauthenticated TLS connection', async () => {
  const r = await deliverOnce(() => ({ smtp_tls_security_level: 'encrypt' }));
  assert.deepEqual([r.status, r.tls], ['sent', true]);
  assert.ok(r.log.some((l) => /^Untrusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: TLSv1\.3 with cipher TLS_\w+ \(\d+\/\d+ bits\)/.test(l)), r.log.join('\n'));
});

test('tls: verify without a matching name or trusted CA defers with Server certificate not verified', async () => {
  const noCa = await deliverOnce(() => ({ smtp_tls_security_level: 'verify' }));
  assert.deepEqual([noCa.status, noCa.dsn, noCa.reason, noCa.tls], ['deferred', '4.7.5', 'Server certificate not verified', undefined]);
  assert.ok(noCa.log.some((l) => /certificate verification failed for 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: not trusted/.test(l)), noCa.log.join('\n'));
  const write = (dir: string, text: string): string => {
    const f = path.join(dir, 'ca.pem');
    fs.writeFileSync(f, text);
    return f;
  };
  const nameMismatch = await deliverOnce((dir, _p, c) => ({ smtp_tls_security_level: 'verify', smtp_tls_CAfile: write(dir, c.cert) }));
  assert.deepEqual([nameMismatch.status, nameMismatch.reason], ['deferred', 'Server certificate not verified'], 'hostname 127.0.0.1 is not fake.example');
  const ok = await deliverOnce((dir, _p, c) => ({ smtp_tls_security_level: 'verify', smtp_tls_CAfile: write(dir, c.cert), smtp_tls_verify_cert_match: 'hostname, fake.example' }));
  assert.deepEqual([ok.status, ok.tls], ['sent', true]);
  assert.ok(ok.log.some((l) => l.startsWith('Verified TLS connection established to 127.0.0.1[127.0.0.1]:')), ok.log.join('\n'));
  const trusted = await deliverOnce((dir, _p, c) => ({ smtp_tls_security_level: 'may', smtp_tls_CAfile: write(dir, c.cert) }));
  assert.ok(trusted.log.some((l) => l.startsWith('Trusted TLS connection established')), trusted.log.join('\n'));
});

test('tls: per-destination policy table overrides the global level; invalid policies fail closed', async () => {
  const table = (dir: string, text: string): string => {
    const f = path.join(dir, 'tls_policy');
    fs.writeFileSync(f, text);
    return `texthash:${f}`;
  };
  const none = await deliverOnce((dir, port) => ({ smtp_tls_security_level: 'encrypt', smtp_tls_policy_maps: table(dir, `[127.0.0.1]:${port} none\n`) }));
  assert.deepEqual([none.status, none.tls], ['sent', false]);
  const secure = await deliverOnce((dir, port, c) => {
    fs.writeFileSync(path.join(dir, 'ca.pem'), c.cert);
    return { smtp_tls_CAfile: path.join(dir, 'ca.pem'), smtp_tls_policy_maps: table(dir, `[127.0.0.1]:${port} secure match=other.example:fake.example protocols=>=TLSv1.3\n`) };
  });
  assert.deepEqual([secure.status, secure.tls], ['sent', true]);
  const bad = await deliverOnce((dir, port) => ({ smtp_tls_policy_maps: table(dir, `[127.0.0.1]:${port} verify ciphers=high\n`) }));
  assert.deepEqual([bad.status, bad.dsn, bad.reason, bad.tls], ['deferred', '4.7.5', 'client TLS configuration problem', undefined]);
  assert.ok(bad.log.some((l) => /^warning: smtp_tls_policy_maps, next-hop destination "\[127\.0\.0\.1\]:\d+": invalid or unsupported attribute "ciphers=high"/.test(l)), bad.log.join('\n'));
});

test('tls: fingerprint level accepts only the listed certificate', async () => {
  const fp = (pem: string): string => new crypto.X509Certificate(pem).fingerprint256;
  const good = await deliverOnce((_d, _p, c) => ({ smtp_tls_security_level: 'fingerprint', smtp_tls_fingerprint_cert_match: fp(c.cert) }));
  assert.deepEqual([good.status, good.tls], ['sent', true]);
  const wrong = await deliverOnce(() => ({ smtp_tls_security_level: 'fingerprint', smtp_tls_fingerprint_cert_match: 'AA:BB' }));
  assert.deepEqual([wrong.status, wrong.reason], ['deferred', 'Server certificate not verified']);
});

test('tls: certificate name matching follows Postfix (wildcards cover one label, dot-nexthop subdomains)', () => {
  assert.ok(nameMatches('mx.example.com', 'MX.example.com', false));
  assert.ok(nameMatches('*.example.com', 'mx.example.com', false));
  assert.ok(!nameMatches('*.example.com', 'a.mx.example.com', false));
  assert.ok(nameMatches('mx.example.com', 'example.com', true));
  assert.ok(!nameMatches('example.com', 'example.com', true));
  assert.ok(namesMatch(['mx1.example.com'], ['nexthop', 'dot-nexthop'], 'mx1.example.com', 'example.com'));
  assert.ok(!namesMatch(['mx1.evil.example'], ['nexthop', 'dot-nexthop'], 'mx1.evil.example', 'example.com'));
  assert.ok(namesMatch(['mx1.evil.example'], ['hostname'], 'mx1.evil.example', 'example.com'));
  assert.ok(namesMatch(['a.b.example'], ['.b.example'], 'x', 'y'));
});

test('tls: TLS connections are cached only with smtp_tls_connection_reuse = yes', async () => {
  for (const reuse of ['no', 'yes']) {
    const agent = testAgent({ inet_protocols: 'ipv4', smtp_tls_security_level: 'encrypt', smtp_connection_cache_time_limit: '5s', smtp_tls_connection_reuse: reuse });
    const srv = new FakeServer({ tls: selfSignedCert(agent.dir) });
    const port = await srv.start();
    try {
      for (let i = 0; i < 2; i++) {
        const out = await deliverRequest(await agent.request({ rcpts: [`u${i}@example.net`], nexthop: `[127.0.0.1]:${port}` }), agent.ctx, agent.state);
        assert.equal(out.results[0]?.status, 'sent');
      }
      assert.equal(srv.connections, reuse === 'yes' ? 1 : 2, `reuse=${reuse}`);
      assert.deepEqual(srv.messages.map((m) => m.tls), [true, true]);
    } finally {
      agent.cleanup();
      await srv.stop();
    }
  }
});

test('tls: at may a failed handshake defers a new message, and falls back to clear for one that waited minimal_backoff_time', async () => {
  const agent = testAgent({ inet_protocols: 'ipv4', smtp_tls_security_level: 'may', smtp_connection_cache_on_demand: 'no' });
  const srv = new FakeServer({ brokenTls: true });
  const port = await srv.start();
  try {
    const nexthop = `[127.0.0.1]:${port}`;
    const fresh = await deliverRequest(await agent.request({ rcpts: ['u@example.net'], nexthop }), agent.ctx, agent.state);
    assert.deepEqual([fresh.results[0]?.status, fresh.results[0]?.dsn, fresh.results[0]?.reason], ['deferred', '4.7.5', 'Cannot start TLS: handshake failure']);
    assert.equal(srv.messages.length, 0);
    const req = await agent.request({ rcpts: ['u@example.net'], nexthop });
    req.arrivalTime -= 600_000;
    const old = await deliverRequest(req, agent.ctx, agent.state);
    assert.equal(old.results[0]?.status, 'sent', old.results[0]?.reason);
    assert.deepEqual(srv.messages.map((m) => m.tls), [false]);
  } finally {
    agent.cleanup();
    await srv.stop();
  }
});
