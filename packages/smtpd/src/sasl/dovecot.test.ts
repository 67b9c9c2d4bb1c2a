import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DovecotAuthClient, escapeValue, unescapeValue } from './dovecot.js';
import type { AuthRequest } from './types.js';

/** fakeDovecot - a small auth server speaking Dovecot's protocol: alice/secret, LOGIN by CONT prompts. */
function fakeDovecot(socketPath: string, seen: string[], conns: net.Socket[] = []): Promise<net.Server> {
  const server = net.createServer((sock) => {
    conns.push(sock);
    sock.setEncoding('utf8');
    sock.write('VERSION\t1\t2\nMECH\tPLAIN\tplaintext\nMECH\tLOGIN\tplaintext\nMECH\tANONYMOUS\tanonymous\nSPID\t1\nCUID\t1\nCOOKIE\tabc\nDONE\n');
    const login = new Map<string, string[]>();
    let buf = '';
    sock.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const f = buf.slice(0, nl).split('\t');
        buf = buf.slice(nl + 1);
        seen.push(f.join(' '));
        const id = f[1] ?? '';
        const check = (user: string, pass: string): void => {
          if (user === 'alice' && pass === 'secret') sock.write(`OK\t${id}\tuser=alice@example.com\n`);
          else if (user === 'tempfail') sock.write(`FAIL\t${id}\ttemp\treason=backend down\n`);
          else sock.write(`FAIL\t${id}\tuser=${user}\n`);
        };
        if (f[0] === 'AUTH' && f[2] === 'PLAIN') {
          const resp = f.find((x) => x.startsWith('resp='))?.slice(5) ?? '';
          const [, user = '', pass = ''] = Buffer.from(resp, 'base64').toString().split('\0');
          check(user, pass);
        } else if (f[0] === 'AUTH' && f[2] === 'LOGIN') {
          login.set(id, []);
          sock.write(`CONT\t${id}\t${Buffer.from('Username:').toString('base64')}\n`);
        } else if (f[0] === 'CONT') {
          const got = login.get(id) ?? [];
          got.push(Buffer.from(f[2] ?? '', 'base64').toString());
          if (got.length === 1) sock.write(`CONT\t${id}\t${Buffer.from('Password:').toString('base64')}\n`);
          else check(got[0] ?? '', got[1] ?? '');
        }
      }
    });
  });
  return new Promise((resolve) => server.listen(socketPath, () => resolve(server)));
}

const req = (mechanism: 'PLAIN' | 'LOGIN', username: string, password: string): AuthRequest => ({
  mechanism,
  username,
  authzid: '',
  password,
  service: 'smtp',
  clientAddr: '192.0.2.1',
  clientPort: 4321,
  localAddr: '127.0.0.1',
  localPort: 587,
  secured: true,
});

test('DovecotAuthClient: handshake, PLAIN and LOGIN, failures, a broken connection', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-dovecot-'));
  const sockPath = path.join(dir, 'auth');
  const seen: string[] = [];
  const conns: net.Socket[] = [];
  const server = await fakeDovecot(sockPath, seen, conns);
  const warnings: string[] = [];
  const client = new DovecotAuthClient(sockPath, 5000, (m) => warnings.push(m));
  t.after(() => {
    client.close();
    server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const mechs = await client.mechanisms();
  assert.deepEqual(mechs.map((m) => [m.name, m.plaintext, m.anonymous]), [
    ['PLAIN', true, false],
    ['LOGIN', true, false],
    ['ANONYMOUS', false, true],
  ]);
  assert.deepEqual(await client.authenticate(req('PLAIN', 'alice', 'secret')), { ok: true, user: 'alice@example.com' });
  assert.deepEqual(await client.authenticate(req('LOGIN', 'alice', 'secret')), { ok: true, user: 'alice@example.com' });
  assert.deepEqual(await client.authenticate(req('PLAIN', 'alice', 'wrong')), { ok: false, temporary: false });
  assert.deepEqual(await client.authenticate(req('LOGIN', 'tempfail', 'x')), { ok: false, temporary: true, reason: 'backend down' });
  assert.ok(seen[0]?.startsWith('VERSION 1 2'), seen[0]);
  const auth = seen.find((l) => l.startsWith('AUTH 1 PLAIN')) ?? '';
  assert.match(auth, /^AUTH 1 PLAIN service=smtp nologin lip=127\.0\.0\.1 lport=587 rip=192\.0\.2\.1 rport=4321 secured resp=/);
  // Dovecot drops the connection (a restart): the next attempt connects again.
  for (const c of conns) c.destroy();
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(await client.authenticate(req('PLAIN', 'alice', 'secret')), { ok: true, user: 'alice@example.com' });
});

test('DovecotAuthClient: an absent socket is an error for mechanisms()', async () => {
  const client = new DovecotAuthClient('/nonexistent/auth', 1000, () => {});
  await assert.rejects(client.mechanisms(), /ENOENT/);
});

test('escapeValue / unescapeValue round trip', () => {
  const v = 'a\tb\nc\x01d';
  assert.equal(escapeValue(v), 'a\x01tb\x01nc\x011d');
  assert.equal(unescapeValue(escapeValue(v)), v);
});
