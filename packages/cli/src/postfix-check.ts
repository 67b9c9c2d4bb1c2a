/*
 * postfix-check - `postfix check` and `postfix set-permissions`: configuration syntax
 * (main.cf values of the registry's types, master.cf lines), mail_owner (must exist and
 * not be root when we run as root), and the spool tree with Postfix's owners and modes
 * (created or repaired by createSpool). Also run before `postfix start`.
 * Reads: queue_directory, mail_owner, setgid_group, hash_queue_names, hash_queue_depth,
 * daemon_directory.
 */
import fs from 'node:fs';
import path from 'node:path';
import {
  ConfigError, createSpool, isRoot, lookupGroup, mailOwner, paramRegistry, pidDirectory, readMasterCf, type Config,
} from '@mailroom/global';

/** A problem found by check: fatal ones stop `postfix start`. */
export interface CheckResult {
  fatal: string[];
  warnings: string[];
}

/** checkSyntax - every set parameter parses as its type; master.cf parses. */
function checkSyntax(config: Config, out: CheckResult): void {
  for (const name of config.setNames()) {
    const spec = paramRegistry.get(name);
    try {
      if (spec?.kind === 'int') config.getInt(name);
      else if (spec?.kind === 'time') config.getTime(name);
      else if (spec?.kind === 'bool') config.getBool(name);
      else config.get(name);
    } catch (err) {
      out.fatal.push(err instanceof ConfigError ? err.message : (err as Error).message);
    }
  }
  try {
    readMasterCf(config.configDir);
  } catch (err) {
    out.fatal.push((err as Error).message);
  }
}

/** fixSpool - create or repair the spool tree (owners only when we are root). */
export function fixSpool(config: Config, out: CheckResult): void {
  const queueDir = config.get('queue_directory');
  let ids: { uid?: number; gid?: number; setgidGid?: number } = {};
  if (isRoot()) {
    const owner = mailOwner(config.get('mail_owner'), path.join(config.configDir, 'main.cf'));
    if (typeof owner === 'string') {
      out.fatal.push(owner);
      return;
    }
    const group = paramRegistry.has('setgid_group') ? config.get('setgid_group') : '';
    const setgidGid = group ? lookupGroup(group) : undefined;
    if (group && setgidGid === undefined) out.warnings.push(`setgid_group: unknown group name: ${group}`);
    ids = { uid: owner.uid, gid: owner.gid, setgidGid };
  }
  try {
    createSpool(queueDir, {
      ...ids,
      hashQueueNames: config.getList('hash_queue_names'),
      hashQueueDepth: config.getInt('hash_queue_depth'),
    });
    fs.mkdirSync(pidDirectory(config), { recursive: true, mode: 0o755 });
  } catch (err) {
    out.fatal.push(`queue_directory ${queueDir}: ${(err as Error).message}`);
  }
}

/** runCheck - everything `postfix check` looks at; repairs the spool. */
export function runCheck(config: Config): CheckResult {
  const out: CheckResult = { fatal: [], warnings: [] };
  checkSyntax(config, out);
  if (out.fatal.length === 0) fixSpool(config, out);
  const daemons = config.get('daemon_directory');
  if (!fs.existsSync(daemons)) out.warnings.push(`daemon_directory ${daemons}: No such file or directory`);
  return out;
}
