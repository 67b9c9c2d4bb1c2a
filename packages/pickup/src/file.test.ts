/* pickup file checks: what a maildrop file must be before pickup believes it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLEANUP_FLAG, createSpool, newQueueId, QueueFileWriter, type Spool } from '@mailroom/global';
import { openMaildropFile, type OpenResult } from './file.js';

interface DropSpec {
  sender?: string;
  recipients?: string[];
  flags?: number;
  content?: string;
  attributes?: Record<string, string>;
}

async function drop(spool: Spool, spec: DropSpec = {}): Promise<string> {
  const w = new QueueFileWriter(spool, { queue: 'maildrop', mode: 0o644 });
  w.setEnvelope({ sender: spec.sender ?? 'alice', flags: spec.flags, attributes: spec.attributes ?? { submit_uid: '1000', submit_user: 'alice' } });
  for (const r of spec.recipients ?? ['bob@example.com']) w.addRecipient({ address: r });
  await w.writeContent(Buffer.from(spec.content ?? 'Subject: hi\n\nbody\n'));
  return w.commit();
}

function close(r: OpenResult): OpenResult {
  if (r.kind === 'ok') fs.closeSync(r.file.fd);
  return r;
}

test('maildrop files: good ones open, bad ones are named, unfinished ones wait', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-pickup-file-'));
  try {
    const spool = createSpool(path.join(dir, 'spool'));
    const md = (id: string): string => spool.path('maildrop', id);
    const open = (id: string, limit = 0): OpenResult => close(openMaildropFile(spool, id, limit));

    const good = await drop(spool);
    const r = openMaildropFile(spool, good, 0);
    assert.equal(r.kind, 'ok');
    if (r.kind === 'ok') {
      assert.equal(r.file.qf.sender, 'alice');
      assert.deepEqual(r.file.qf.recipients.map((x) => x.address), ['bob@example.com']);
      assert.equal(r.file.extract, false);
      // the envelope is read through the descriptor, not the name
      assert.match(r.file.fdPath, /^\/proc\/self\/fd\/\d+$/);
      fs.closeSync(r.file.fd);
    }

    const cases: [string, () => Promise<string> | string, OpenResult['kind'], RegExp?][] = [
      ['gone', () => newQueueId(), 'skip'],
      ['incomplete (no x-bit)', () => { const id = newQueueId(); fs.writeFileSync(md(id), 'partial', { mode: 0o644 }); return id; }, 'skip'],
      ['garbage', () => { const id = newQueueId(); fs.writeFileSync(md(id), 'garbage', { mode: 0o744 }); return id; }, 'bad', /./],
      ['symbolic link', () => { const id = newQueueId(); fs.symlinkSync(spool.path('maildrop', good), md(id)); return id; }, 'bad', /symbolic link/],
      ['hard link', () => { const id = newQueueId(); fs.linkSync(spool.path('maildrop', good), md(id)); return id; }, 'bad', /2 hard links/],
      ['directory', () => { const id = newQueueId(); fs.mkdirSync(md(id), { mode: 0o755 }); return id; }, 'bad', /not a regular file/],
      ['fifo', () => { const id = newQueueId(); spawnSync('mkfifo', ['-m', '0744', md(id)]); return id; }, 'bad', /not a regular file/],
      ['no recipients', () => drop(spool, { recipients: [] }), 'bad', /no recipients/],
      ['-t without recipients', () => drop(spool, { recipients: [], flags: CLEANUP_FLAG.EXTRACT_RECIPIENTS }), 'ok'],
      ['control character', () => drop(spool, { recipients: ['bob@example.com\nX-Injected: 1'] }), 'bad', /control characters/],
      ['sender too long', () => drop(spool, { sender: `${'a'.repeat(3000)}@x` }), 'bad', /too long/],
    ];
    for (const [name, make, kind, reason] of cases) {
      const id = await make();
      const got = open(id);
      assert.equal(got.kind, kind, name);
      if (got.kind === 'bad' && reason) assert.match(got.reason, reason, name);
    }
    const big = await drop(spool, { content: 'Subject: big\n\n' + 'x'.repeat(2000) + '\n' });
    const tooBig = open(big, 1000);
    assert.equal(tooBig.kind, 'bad');
    if (tooBig.kind === 'bad') assert.match(tooBig.reason, /exceeds message_size_limit 1000/);
    assert.equal(open(big, 0).kind, 'ok', 'no limit');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
