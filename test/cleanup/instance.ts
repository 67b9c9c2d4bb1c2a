/*
 * instance - a throw-away Mailroom instance for cleanup's end-to-end tests: the real
 * daemons of this installation (daemon_directory left at its default), a temporary
 * config, spool and log, and master started in its own process group. The idea is
 * test/master/instance.ts's; this copy runs real daemons and kills only its own master.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { baseMainCf, isRoot, killGroup, logFileMessages, MASTER, ROOT, waitFor } from '../lib/common.js';

export { ROOT, waitFor };

/** logMessages - the `msg` of every JSON line in the instance's log. */
export function logMessages(inst: Instance): string[] {
  return logFileMessages(inst.logFile);
}

export interface Instance {
  dir: string;
  etc: string;
  spool: string;
  logFile: string;
  master?: ChildProcess;
}

/** makeInstance - config (`@DIR@` in mainCf and files stands for the instance directory). */
export function makeInstance(mainCf: string, masterCf: string, files: Record<string, string> = {}): Instance {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-cleanup-e2e-'));
  fs.chmodSync(dir, 0o755); // children dropped to mail_owner read the config and tables
  const inst: Instance = { dir, etc: path.join(dir, 'etc'), spool: path.join(dir, 'spool'), logFile: path.join(dir, 'maillog') };
  for (const d of [inst.etc, inst.spool, path.join(inst.spool, 'private'), path.join(inst.spool, 'public')]) fs.mkdirSync(d, { recursive: true, mode: 0o755 });
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), text.replaceAll('@DIR@', dir), { mode: 0o644 });
  const base = baseMainCf(inst.spool, inst.logFile);
  fs.writeFileSync(path.join(inst.etc, 'main.cf'), `${base.join('\n')}\n${mainCf.replaceAll('@DIR@', dir)}\n`);
  fs.writeFileSync(path.join(inst.etc, 'master.cf'), `${masterCf}\n`);
  if (isRoot) execFileSync('chown', ['-R', 'nobody', inst.spool]);
  return inst;
}



/** startMaster - run master in the foreground of its own process group; wait until it serves. */
export async function startMaster(inst: Instance): Promise<void> {
  const p = spawn(process.execPath, [MASTER, '-c', inst.etc], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  p.stderr?.resume();
  inst.master = p;
  await waitFor('master to start', () => logMessages(inst).some((l) => l.startsWith('daemon started -- ')));
}

/** stop - kill master's process group (its children with it) and remove the files. */
export function stop(inst: Instance): void {
  killGroup(inst.master?.pid);
  fs.rmSync(inst.dir, { recursive: true, force: true });
}
