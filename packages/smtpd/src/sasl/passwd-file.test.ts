import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { parsePasswdFile, PasswdFileBackend } from './passwd-file.js';
import type { AuthRequest } from './types.js';

const req = (username: string, password: string, authzid = ''): AuthRequest => ({
  mechanism: 'PLAIN',
  username,
  authzid,
  password,
  service: 'smtp',
  clientAddr: '127.0.0.1',
  clientPort: 1234,
  localAddr: '127.0.0.1',
  localPort: 25,
  secured: true,
});

test('parsePasswdFile: Dovecot lines, comments, extra fields, first entry wins', () => {
  const users = parsePasswdFile('# users\nalice@example.com:{PLAIN}a:1000:1000::/home/a::\nbob:{PLAIN}b\n\nbob:{PLAIN}other\nbad line\n');
  assert.deepEqual([...users], [
    ['alice@example.com', '{PLAIN}a'],
    ['bob', '{PLAIN}b'],
  ]);
});

test('PasswdFileBackend: logins, wrong passwords, authzid, unsupported schemes, reload', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-sasl-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'passwd');
  fs.writeFileSync(file, 'alice:{PLAIN}secret\ncarol:{SSHA}xyz\n');
  const warnings: string[] = [];
  const b = new PasswdFileBackend(file, (m) => warnings.push(m), 0);
  assert.deepEqual((await b.mechanisms()).map((m) => m.name), ['PLAIN', 'LOGIN']);
  assert.deepEqual(await b.authenticate(req('alice', 'secret')), { ok: true, user: 'alice' });
  assert.deepEqual(await b.authenticate(req('ALICE', 'secret')), { ok: true, user: 'alice' });
  assert.deepEqual(await b.authenticate(req('alice', 'wrong')), { ok: false });
  assert.deepEqual(await b.authenticate(req('nobody', 'secret')), { ok: false });
  assert.deepEqual(await b.authenticate(req('alice', 'secret', 'bob')), { ok: false });
  assert.deepEqual(await b.authenticate(req('carol', 'xyz')), { ok: false });
  assert.match(warnings.join('\n'), /user carol: unsupported password scheme SSHA/);
  fs.writeFileSync(file, 'alice:{PLAIN}changed\n');
  fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
  assert.deepEqual(await b.authenticate(req('alice', 'changed')), { ok: true, user: 'alice' });
  fs.rmSync(file);
  fs.utimesSync(dir, new Date(), new Date());
  await assert.rejects(b.authenticate(req('alice', 'changed')), /ENOENT/);
});
