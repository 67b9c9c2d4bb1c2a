// scripts/bench/fsync.mjs - the fsync ceiling of the machine: how many small durable file
// commits per second the file system takes, from one writer and from many at once. Each writer
// loops: create a temporary file, write 512 bytes, fsync, close, rename it over one of 100 names
// (as a queue file is committed). Writers are worker threads doing synchronous calls, so they
// really run in parallel. The directory must be on the file system of the spool.
import fs from 'node:fs';
import path from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

if (!isMainThread) {
  const { dir, id, ms } = workerData;
  const buf = Buffer.alloc(512, 'x');
  const tmp = path.join(dir, `w${id}.tmp`);
  let n = 0;
  const t0 = performance.now();
  const end = t0 + ms;
  while (performance.now() < end) {
    const fd = fs.openSync(tmp, 'w', 0o600);
    fs.writeSync(fd, buf);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, path.join(dir, `w${id}.${n % 100}`));
    n++;
  }
  parentPort.postMessage(n / ((performance.now() - t0) / 1000));
}

/** fsyncRate - commits per second (the sum of each writer's rate) with `writers` parallel writers for `ms` ms in `dir`. */
export async function fsyncRate(dir, writers, ms) {
  const sub = fs.mkdtempSync(path.join(dir, 'fsync-'));
  try {
    const rates = await Promise.all(
      Array.from({ length: writers }, (_, id) => new Promise((resolve, reject) => {
        const w = new Worker(new URL(import.meta.url), { workerData: { dir: sub, id, ms } });
        w.once('message', resolve);
        w.once('error', reject);
      })),
    );
    return rates.reduce((a, b) => a + b, 0);
  } finally {
    fs.rmSync(sub, { recursive: true, force: true });
  }
}
