/*
 * End-to-end tests of master and the service skeleton with the test daemons of
 * fixtures/: separate processes per service, restart after SIGKILL (logged), wakeup
 * triggers, max_idle, reload under a connect loop with no refused connection, and a
 * command that fails at startup being throttled while master keeps running.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  alive, childrenOf, cleanup, isRoot, logMessages, makeInstance, masterPid, postfix, runMaster, talk, waitFor, writeConfig,
} from './instance.js';

const pidOf = (reply: string | undefined): number => Number(reply?.split(' ')[0]);

test('master runs each service as its own process, restarts a killed one and wakes trigger services', async (t) => {
  const inst = await makeInstance('max_use = 1000', (port) => [
    `127.0.0.1:${port} inet n - n - 2 echo`,
    'tick unix n - n 1 1 tick',
  ].join('\n'));
  t.after(() => cleanup(inst));
  const m = await runMaster(inst);
  await waitFor('master.pid', () => masterPid(inst) === m.pid);
  await waitFor('echo and tick processes', () => childrenOf(m.pid, 'echo').length === 1 && childrenOf(m.pid, 'tick').length === 1);
  const [echo] = childrenOf(m.pid, 'echo');
  assert.match(echo!.args, /echo\/dist\/main\.js -n 127\.0\.0\.1:\d+ -t inet -u/);
  if (isRoot) assert.equal(echo!.user, 'nobody', 'children drop to mail_owner');

  const first = pidOf((await talk(inst.port, ['hello']))[0]);
  assert.equal(first, echo!.pid, 'the connection is served by the child, not by master');

  process.kill(first, 'SIGKILL');
  await waitFor('the kill to be logged', () => logMessages(inst).some((l) => l.includes(`pid ${first} killed by signal 9`)));
  assert.ok(logMessages(inst).some((l) => /warning: process \S+echo\/dist\/main\.js pid \d+ killed by signal 9/.test(l)));
  await waitFor('a new echo process', () => childrenOf(m.pid, 'echo').some((r) => r.pid !== first));
  const second = pidOf((await talk(inst.port, ['again']))[0]);
  assert.notEqual(second, first);

  await waitFor('two wakeup triggers', () => {
    try {
      return fs.readFileSync(path.join(inst.spool, 'triggers.log'), 'utf8').split('\n').filter((l) => / W$/.test(l)).length >= 2;
    } catch {
      return false;
    }
  }, 10_000);
});

test('an idle daemon exits after max_idle and master keeps one process listening', async (t) => {
  const inst = await makeInstance('max_idle = 2s', (port) => `127.0.0.1:${port} inet n - n - 1 echo`);
  t.after(() => cleanup(inst));
  const m = await runMaster(inst);
  await waitFor('an echo process', () => childrenOf(m.pid, 'echo').length === 1);
  const first = pidOf((await talk(inst.port, ['x']))[0]);
  const t0 = Date.now();
  await waitFor('the idle process to exit', () => !alive(first), 10_000);
  const idle = Date.now() - t0;
  assert.ok(idle >= 1500, `exited after ${idle} ms, before max_idle`);
  assert.ok(!logMessages(inst).some((l) => l.includes(`pid ${first}`)), 'a voluntary exit is not a crash');
  const next = pidOf((await talk(inst.port, ['y']))[0]);
  assert.notEqual(next, first);
});

test('reload keeps the listening socket: a client loop sees no refused connection', async (t) => {
  const inst = await makeInstance('max_use = 1000', (port) => `127.0.0.1:${port} inet n - n - 2 echo`);
  t.after(() => cleanup(inst));
  const m = await runMaster(inst);
  await waitFor('an echo process', () => childrenOf(m.pid, 'echo').length === 1);
  const before = pidOf((await talk(inst.port, ['a']))[0]);

  let ok = 0;
  let failed = 0;
  const errors = new Set<string>();
  let running = true;
  const loop = async (): Promise<void> => {
    while (running) {
      try {
        await talk(inst.port, ['ping'], 10_000);
        ok++;
      } catch (err) {
        failed++;
        errors.add((err as Error).message);
      }
    }
  };
  const loops = [loop(), loop(), loop(), loop()];
  for (let i = 0; i < 3; i++) {
    await new Promise((r) => setTimeout(r, 400));
    writeConfig(inst, `max_use = 1000\nmax_idle = ${50 + i}s`, `127.0.0.1:${inst.port} inet n - n - 2 echo`);
    const r = postfix(inst, 'reload');
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /postfix\/postfix-script: refreshing the Mailroom mail system/);
  }
  await new Promise((r) => setTimeout(r, 1000));
  running = false;
  await Promise.all(loops);
  assert.equal(failed, 0, `refused or failed: ${[...errors].join('; ')}`);
  assert.ok(ok > 20, `only ${ok} connections made`);
  assert.equal(logMessages(inst).filter((l) => l.startsWith('reload -- version 0.1.0, configuration ')).length, 3);
  await waitFor('the old process to be retired', () => !alive(before));
  const after = pidOf((await talk(inst.port, ['b']))[0]);
  assert.notEqual(after, before, 'new children run the new configuration');
});

test('master.cf changes on reload: a new service gets its socket, a removed one goes away', async (t) => {
  const inst = await makeInstance('', (port) => `127.0.0.1:${port} inet n - n - 1 echo`);
  t.after(() => cleanup(inst));
  const m = await runMaster(inst);
  await waitFor('an echo process', () => childrenOf(m.pid, 'echo').length === 1);
  writeConfig(inst, '', 'tick unix - - n - 1 tick');
  process.kill(m.pid, 'SIGHUP');
  await waitFor('tick to start and echo to go', () => childrenOf(m.pid, 'tick').length === 1 && childrenOf(m.pid, 'echo').length === 0);
  assert.ok(fs.statSync(path.join(inst.spool, 'private', 'tick')).isSocket());
  await assert.rejects(talk(inst.port, ['gone'], 2000), /ECONNREFUSED/);
});

test('a command that fails at startup is throttled and master keeps running', async (t) => {
  const inst = await makeInstance('', () => ['crash unix - - n - 1 crash', 'nosuch unix - - n - 1 nosuch'].join('\n'));
  t.after(() => cleanup(inst));
  const m = await runMaster(inst);
  await waitFor('the throttle line', () => logMessages(inst).some((l) => /crash\/dist\/main\.js: bad command startup -- throttling/.test(l)));
  await new Promise((r) => setTimeout(r, 2500));
  const msgs = logMessages(inst);
  const exits = msgs.filter((l) => /crash\/dist\/main\.js pid \d+ exit status 3/.test(l)).length;
  assert.ok(exits >= 2 && exits <= 5, `${exits} restarts in ~3 s with service_throttle_time = 1s`);
  assert.equal(msgs.filter((l) => l.includes('cannot execute') && l.includes('nosuch')).length, 1, 'a missing program is reported once');
  assert.ok(alive(m.pid));
});
