import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parsePasswd, PasswdTable } from './passwd.js';

test('unix:passwd.byname reads /etc/passwd-format files and notices changes', async () => {
  assert.deepEqual([...parsePasswd('root:x:0:0::/root:/bin/sh\n#c\n+nis\nalice:x:1000:1000::/home/alice:/bin/sh\n').keys()], ['root', 'alice']);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-passwd-'));
  try {
    const file = path.join(dir, 'passwd');
    fs.writeFileSync(file, 'alice:x:1000:1000::/home/alice:/bin/sh\n');
    const t = new PasswdTable(file, 0);
    assert.match((await t.get('alice')) ?? '', /^alice:x:1000/);
    assert.equal(await t.get('bob'), undefined);
    fs.writeFileSync(file, 'bob:x:1001:1001::/home/bob:/bin/sh\n');
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.ok(await t.get('bob'));
    fs.rmSync(file);
    await assert.rejects(t.get('bob'), /passwd/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
