/*
 * SASL client against the scripted server (testing.ts): credentials by host and by
 * next hop, mechanism choice under the security options, and failures that defer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { deliverRequest } from './deliver.js';
import { chooseMechanism } from './sasl.js';
import { FakeServer, testAgent, type FakeOptions } from './testing.js';

async function run(server: FakeOptions, settings: Record<string, string>, passwd: (port: number) => string) {
  const srv = new FakeServer(server);
  const port = await srv.start();
  const probe = testAgent({});
  const file = path.join(probe.dir, 'sasl_passwd');
  fs.writeFileSync(file, passwd(port));
  const agent = testAgent({ inet_protocols: 'ipv4', smtp_sasl_auth_enable: 'yes', smtp_sasl_password_maps: `texthash:${file}`, ...settings });
  try {
    const out = await deliverRequest(await agent.request({ rcpts: ['u@example.net'], nexthop: `[127.0.0.1]:${port}` }), agent.ctx, agent.state);
    return { r: out.results[0]!, srv, commands: [...srv.commands] };
  } finally {
    agent.cleanup();
    probe.cleanup();
    await srv.stop();
  }
}

const AUTH = { mechanisms: ['PLAIN', 'LOGIN'], user: 'alice', password: 'secret' };

test('sasl: AUTH PLAIN with credentials found by [host]:port, then the mail', async () => {
  const { r, srv, commands } = await run({ auth: AUTH }, { smtp_sasl_security_options: 'noanonymous' }, (port) => `[127.0.0.1]:${port} alice:secret\n`);
  assert.equal(r.status, 'sent', r.reason);
  assert.deepEqual(srv.authenticated, ['alice']);
  assert.ok(commands.some((c) => c.startsWith('AUTH PLAIN ')));
});

test('sasl: AUTH LOGIN when the filter allows only LOGIN; credentials by host name', async () => {
  const { r, srv, commands } = await run({ auth: AUTH }, { smtp_sasl_security_options: 'noanonymous', smtp_sasl_mechanism_filter: 'login' }, () => '127.0.0.1 alice:secret\n');
  assert.equal(r.status, 'sent', r.reason);
  assert.deepEqual(srv.authenticated, ['alice']);
  assert.ok(commands.includes('AUTH LOGIN'));
});

test('sasl: CRAM-MD5 is allowed by the default options (noplaintext, noanonymous)', async () => {
  const { r, srv } = await run({ auth: { ...AUTH, mechanisms: ['PLAIN', 'CRAM-MD5'] } }, {}, (port) => `[127.0.0.1]:${port} alice:secret\n`);
  assert.equal(r.status, 'sent', r.reason);
  assert.deepEqual(srv.authenticated, ['alice']);
});

test('sasl: a wrong password defers (soft bounce) with the server reply, nothing sent', async () => {
  const { r, srv } = await run({ auth: AUTH }, { smtp_sasl_security_options: '' }, (port) => `[127.0.0.1]:${port} alice:wrong\n`);
  assert.deepEqual([r.status, r.dsn], ['deferred', '4.7.8']);
  assert.match(r.reason, /^SASL authentication failed; server 127\.0\.0\.1\[127\.0\.0\.1\] said: 535 5\.7\.8 Error: authentication failed/);
  assert.equal(srv.messages.length, 0);
});

test('sasl: default options leave no plaintext mechanism: defer with no mechanism available', async () => {
  const { r, srv } = await run({ auth: AUTH }, {}, (port) => `[127.0.0.1]:${port} alice:secret\n`);
  assert.deepEqual([r.status, r.dsn], ['deferred', '4.7.0']);
  assert.match(r.reason, /^SASL authentication failed; cannot authenticate to server 127\.0\.0\.1\[127\.0\.0\.1\]: no mechanism available$/);
  assert.equal(srv.messages.length, 0);
});

test('sasl: no credentials for the server: the mail goes unauthenticated', async () => {
  const { r, srv } = await run({ auth: AUTH }, {}, () => 'other.example alice:secret\n');
  assert.equal(r.status, 'sent');
  assert.deepEqual(srv.authenticated, []);
});

test('chooseMechanism: best allowed first; filter and options narrow the choice', () => {
  assert.equal(chooseMechanism(['LOGIN', 'PLAIN', 'CRAM-MD5'], [], []), 'CRAM-MD5');
  assert.equal(chooseMechanism(['LOGIN', 'PLAIN'], [], ['noanonymous']), 'PLAIN');
  assert.equal(chooseMechanism(['LOGIN', 'PLAIN'], ['LOGIN'], []), 'LOGIN');
  assert.equal(chooseMechanism(['LOGIN', 'PLAIN'], [], ['noplaintext']), undefined);
  assert.equal(chooseMechanism(['CRAM-MD5'], [], ['nodictionary']), undefined);
});
