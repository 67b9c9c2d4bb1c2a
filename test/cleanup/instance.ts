/*
 * instance - a throw-away Mailroom instance for cleanup's end-to-end tests: the real
 * daemons of this installation (daemon_directory left at its default), a temporary
 * config, spool and log, and master started in its own process group. Only the
 * configuration differs from test/submission/instance.ts (its own master.cf and extra
 * files); starting, log reading and removal are that harness's.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { baseMainCf, isRoot } from '../lib/common.js';
import { cleanup as stop, type Instance } from '../submission/instance.js';

export { ROOT } from '../lib/common.js';
export { logMessages, startMaster, waitFor, type Instance } from '../submission/instance.js';
export { stop };

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
