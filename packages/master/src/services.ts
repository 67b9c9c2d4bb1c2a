/*
 * services - what master runs for each master.cf line: the program (command X is
 * `$daemon_directory/<package>/dist/main.js`, run by this Node), its argv (Postfix's
 * `-n service -t type [-u] -o ...` plus the line's arguments), its process limit and
 * wakeup timer. Reads: daemon_directory, default_process_limit.
 */
import path from 'node:path';
import type { Config, MasterEntry } from '@mailroom/global';

/** Postfix command names served by another package (lmtp is the smtp client in LMTP mode). */
export const COMMAND_PACKAGES: Readonly<Record<string, string>> = { lmtp: 'smtp' };

export interface ServiceDef {
  /** `service/type`, unique in master.cf. */
  key: string;
  entry: MasterEntry;
  /** The daemon's entry file. */
  program: string;
  /** Process limit (0: no limit). */
  maxproc: number;
  /** Drop to mail_owner when master is root. */
  unpriv: boolean;
}

/** programPath - the entry file of master.cf command `command`. */
export function programPath(daemonDir: string, command: string): string {
  const pkg = COMMAND_PACKAGES[command] ?? command;
  return path.join(daemonDir, pkg, 'dist', 'main.js');
}

/** serviceDef - the run plan of one master.cf entry. */
export function serviceDef(e: MasterEntry, config: Config): ServiceDef {
  // As in Postfix, `-` means y: local and pipe say `n` in master.cf to keep root.
  const unpriv = e.unpriv ?? true;
  return {
    key: `${e.service}/${e.type}`,
    entry: e,
    program: programPath(config.get('daemon_directory'), e.command),
    maxproc: e.maxproc ?? config.getInt('default_process_limit'),
    unpriv,
  };
}

/** childEnvironment - import_environment: `NAME` copies ours, `NAME=value` sets it; MAIL_CONFIG always. */
export function childEnvironment(config: Config, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of config.getList('import_environment')) {
    const eq = item.indexOf('=');
    if (eq > 0) out[item.slice(0, eq)] = item.slice(eq + 1);
    else if (env[item] !== undefined) out[item] = env[item] as string;
  }
  out.MAIL_CONFIG = config.configDir;
  return out;
}
