/*
 * qshape against Postfix's own output: the spool of fixtures/spool.json is written
 * afresh (ages relative to now) and bin/qshape must print exactly what Postfix's
 * qshape printed for the same spool (fixtures/*.out, fixtures/README.md). Also the
 * default queues (incoming, active) taken from queue_directory through -c.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BIN } from '../lib/common.js';

const FIXTURES = path.resolve(fileURLToPath(new URL('.', import.meta.url)), '../../qshape/fixtures');

interface Spec {
  messages: unknown[];
  runs: Record<string, string[]>;
}

test('qshape prints what Postfix qshape prints for the same queue', async () => {
  const spec = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'spool.json'), 'utf8')) as Spec;
  const { writeSpool } = (await import(pathToFileURL(path.join(FIXTURES, 'spool.mjs')).href)) as {
    writeSpool: (dir: string, messages: unknown[]) => Promise<void>;
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-qshape-'));
  try {
    await writeSpool(dir, spec.messages);
    for (const [name, args] of Object.entries(spec.runs)) {
      const abs = args.map((a) => (/^[a-z]+$/.test(a) ? path.join(dir, a) : a));
      const r = spawnSync(path.join(BIN, 'qshape'), abs, { encoding: 'utf8', timeout: 30_000 });
      assert.equal(r.status, 0, `${name}: ${r.stderr}`);
      assert.equal(r.stdout, fs.readFileSync(path.join(FIXTURES, `${name}.out`), 'utf8'), name);
    }
    // Relative names are taken under queue_directory; the default is incoming and active.
    const etc = path.join(dir, 'etc');
    fs.mkdirSync(etc);
    fs.writeFileSync(path.join(etc, 'main.cf'), `queue_directory = ${dir}\n`);
    fs.writeFileSync(path.join(etc, 'master.cf'), '');
    const r = spawnSync(path.join(BIN, 'qshape'), ['-c', etc], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    const rows = r.stdout.split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/));
    assert.deepEqual(rows.map((row) => [row[0], row[1]]), [['T', '5'], ['TOTAL', '4'], ['example.com', '3'], ['mx1.example.net', '1']]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
