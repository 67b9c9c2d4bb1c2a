/*
 * submit-run - what sendmail hands to other commands (Postfix's mail_run_replace):
 * -bp runs `postqueue -p`, -q `postqueue -f` (or `postfix flush`), -bi `newaliases`,
 * -bd `postfix start`. Node cannot exec(2) in place, so the command runs as a child
 * with our standard streams and its exit status becomes ours. Commands are taken from
 * this installation's bin/; the configuration directory travels in MAIL_CONFIG.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { installDir } from '@mailroom/global';
import { EX_SOFTWARE, EX_UNAVAILABLE } from './submit-sysexits.js';
import { fatal } from './util.js';

/** commandPath - bin/<name> of this installation, or undefined when it does not exist (yet). */
export function commandPath(name: string): string | undefined {
  const file = path.join(installDir(), 'bin', name);
  return fs.existsSync(file) ? file : undefined;
}

/** runCommand - run bin/<name> with `args` and exit with its status; `what` names the mode in errors. */
export function runCommand(prog: string, name: string, args: readonly string[], configDir: string | undefined, what: string): never {
  const file = commandPath(name);
  if (!file) fatal(prog, `${what} is not yet supported: ${name} is not installed`, EX_UNAVAILABLE);
  const env = configDir ? { ...process.env, MAIL_CONFIG: path.resolve(configDir) } : process.env;
  const r = spawnSync(file, args, { stdio: 'inherit', env });
  if (r.error) fatal(prog, `unable to execute ${file}: ${r.error.message}`, EX_UNAVAILABLE);
  process.exit(r.status ?? EX_SOFTWARE);
}
