import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { isQueueFileError } from './errors.js';
import { loadQueueFile } from './move.js';
import { readQueueFile } from './reader.js';
import { removeStaleFiles, scanQueue } from './scan.js';
import { captureLog, tempSpool } from './testing.js';
import { QueueFileWriter } from './writer.js';

const moduleUrl = (name: string): string => JSON.stringify(new URL(name, import.meta.url).href);

async function ids(iter: AsyncGenerator<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const id of iter) out.push(id);
  return out;
}

test('a file written but never committed is invisible to readers', async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const w = new QueueFileWriter(spool, { flushThreshold: 16 });
  w.setEnvelope({ sender: 's@example.com' }).addRecipient({ address: 'r@example.net' });
  await w.writeContent(Buffer.from('Subject: half a message\n\nand then the writer stops'));
  assert.ok(fs.existsSync(w.path), 'content was flushed to disk');
  assert.equal(fs.statSync(w.path).mode & 0o100, 0, 'no owner-execute bit before commit');
  await assert.rejects(readQueueFile(w.path), (e: unknown) => isQueueFileError(e, 'incomplete'));
  const { log, lines } = captureLog();
  assert.equal(await loadQueueFile(spool, 'incoming', w.id, log), null);
  assert.ok(fs.existsSync(w.path), 'an incomplete file is not quarantined (its writer may still be busy)');
  assert.deepEqual(lines, []);
  await w.abort();
});

test('a writer killed with SIGKILL mid-write leaves no complete file', { timeout: 60_000 }, async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  // The child streams a large message slowly and reports its path after the first flush.
  const script = `
    import { Spool } from ${moduleUrl('./spool.js')};
    import { QueueFileWriter } from ${moduleUrl('./writer.js')};
    const w = new QueueFileWriter(new Spool(${JSON.stringify(spool.queueDir)}), { flushThreshold: 4096 });
    w.setEnvelope({ sender: 's@example.com' }).addRecipient({ address: 'r@example.net' });
    let told = false;
    for (;;) {
      await w.writeContent(Buffer.alloc(8192, 'x'));
      if (!told) { process.stdout.write(w.path + '\\n'); told = true; }
      await new Promise((r) => setTimeout(r, 1));
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const file = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      text += d;
      if (text.includes('\n')) resolve(text.trim());
    });
    child.on('exit', (code) => reject(new Error(`child exited early: ${code}`)));
  });
  await new Promise((r) => setTimeout(r, 50)); // let it write some more
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  const st = fs.statSync(file);
  assert.ok(st.size > 4096, 'the child had written part of the file');
  assert.equal(st.mode & 0o100, 0);
  const id = file.slice(file.lastIndexOf('/') + 1);
  assert.deepEqual(await ids(scanQueue(spool, 'incoming')), [id], 'scan lists names; readers must check completeness');
  const { log } = captureLog();
  assert.equal(await loadQueueFile(spool, 'incoming', id, log), null);
  assert.deepEqual(await removeStaleFiles(spool, 'incoming', 3600), [], 'too young to be called stale');
  assert.deepEqual(await removeStaleFiles(spool, 'incoming', 0, Date.now() + 1000), [id]);
  assert.ok(!fs.existsSync(file));
});
