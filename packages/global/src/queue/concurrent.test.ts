import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readQueueFile } from './reader.js';
import { scanQueue } from './scan.js';
import { tempSpool } from './testing.js';

test('several processes writing at once get distinct IDs and complete files', { timeout: 120_000 }, async (t) => {
  const { spool, remove } = tempSpool();
  t.after(remove);
  const script = `
    import { Spool } from ${JSON.stringify(new URL('./spool.js', import.meta.url).href)};
    import { QueueFileWriter } from ${JSON.stringify(new URL('./writer.js', import.meta.url).href)};
    const spool = new Spool(${JSON.stringify(spool.queueDir)});
    const one = async (i) => {
      const w = new QueueFileWriter(spool);
      w.setEnvelope({ sender: 'p' + process.pid + '@example.com' }).addRecipient({ address: 'r' + i + '@example.net' });
      await w.writeContent(Buffer.from('Subject: ' + i + '\\n\\nbody\\n'));
      return w.commit();
    };
    const ids = [];
    for (let batch = 0; batch < 10; batch++) ids.push(...await Promise.all(Array.from({ length: 10 }, (_, k) => one(batch * 10 + k))));
    process.stdout.write(ids.join('\\n'));`;
  const children = Array.from({ length: 4 }, () => new Promise<string[]>((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (text += d));
    child.on('exit', (code) => (code === 0 ? resolve(text.split('\n')) : reject(new Error(`writer exited ${code}`))));
  }));
  const reported = (await Promise.all(children)).flat();
  assert.equal(reported.length, 400);
  assert.equal(new Set(reported).size, 400);
  const onDisk: string[] = [];
  for await (const id of scanQueue(spool, 'incoming')) onDisk.push(id);
  assert.deepEqual(onDisk.sort(), [...reported].sort());
  for (const id of onDisk) assert.equal((await readQueueFile(spool.path('incoming', id))).recipients.length, 1);
});
