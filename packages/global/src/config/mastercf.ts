/*
 * config/mastercf - parse master.cf: one service per logical line with the eight
 * fields of master(5) - service type private unpriv chroot wakeup maxproc command+args -
 * and `-o name=value` (or `-o { name = value }`) overrides among the arguments.
 * Pure: callers read the file. Errors read `file:line: reason`.
 */
import { logicalLines } from './maincf.js';
import { splitList } from './expand.js';
import { ConfigError } from './types.js';

export const SERVICE_TYPES = ['inet', 'unix', 'unix-dgram', 'fifo', 'pass'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export interface MasterEntry {
  service: string;
  type: ServiceType;
  /** y/n fields; `undefined` when the field is `-` (the default applies). */
  private: boolean | undefined;
  unpriv: boolean | undefined;
  chroot: boolean | undefined;
  /** Wakeup interval in seconds (0 = never); `conditional` is the trailing `?`. */
  wakeup: number;
  wakeupConditional: boolean;
  /** Process limit; `undefined` for `-` (default_process_limit); 0 = no limit. */
  maxproc: number | undefined;
  command: string;
  /** Arguments other than `-o` overrides, in order. */
  args: string[];
  /** `-o` overrides in order of appearance. */
  overrides: Record<string, string>;
  /** The eight fields as written, for `postconf -M`. */
  fields: string[];
  /** Arguments as written (including `-o`), for `postconf -M`. */
  rawArgs: string[];
  file: string;
  line: number;
  lastLine: number;
}

function yesNo(v: string, field: string, file: string, line: number): boolean | undefined {
  if (v === '-') return undefined;
  if (v === 'y') return true;
  if (v === 'n') return false;
  throw new ConfigError(file, line, `field "${field}": bad value: "${v}" (expected y, n or -)`);
}

/** unbraced - `{ text }` → `text` for master.cf arguments. */
function unbraced(arg: string): string {
  return arg.startsWith('{') && arg.endsWith('}') ? arg.slice(1, -1).trim() : arg;
}

/** parseMasterLine - one logical master.cf line into an entry. */
function parseEntry(text: string, file: string, line: number, lastLine: number): MasterEntry {
  // Fields are white-space separated; `{ ... }` groups (Postfix 3.0) stay one argument.
  const words = splitList(text, false);
  if (words.length < 8) throw new ConfigError(file, line, `bad field count: expected at least 8 fields, found ${words.length}`);
  const [service, type, priv, unpriv, chroot, wakeup, maxproc, command, ...rawArgs] = words as [
    string, string, string, string, string, string, string, string, ...string[]
  ];
  if (!(SERVICE_TYPES as readonly string[]).includes(type)) {
    throw new ConfigError(file, line, `field "type": bad value: "${type}" (expected ${SERVICE_TYPES.join(', ')})`);
  }
  const wm = /^(\d+)(\?)?$/.exec(wakeup);
  if (wakeup !== '-' && !wm) throw new ConfigError(file, line, `field "wakeup": bad value: "${wakeup}"`);
  if (maxproc !== '-' && !/^\d+$/.test(maxproc)) throw new ConfigError(file, line, `field "maxproc": bad value: "${maxproc}"`);
  const entry: MasterEntry = {
    service,
    type: type as ServiceType,
    private: yesNo(priv, 'private', file, line),
    unpriv: yesNo(unpriv, 'unpriv', file, line),
    chroot: yesNo(chroot, 'chroot', file, line),
    wakeup: wm ? Number(wm[1]) : 0,
    wakeupConditional: Boolean(wm?.[2]),
    maxproc: maxproc === '-' ? undefined : Number(maxproc),
    command,
    args: [],
    overrides: {},
    fields: [service, type, priv, unpriv, chroot, wakeup, maxproc, command],
    rawArgs,
    file,
    line,
    lastLine,
  };
  if (entry.type === 'inet' && entry.private === true) {
    throw new ConfigError(file, line, `service ${service}/inet: an inet service cannot be private`);
  }
  // Options come first, as for getopt(3) in Postfix's daemons: after the first word that is
  // not an option (pipe's `flags=`, `argv=...`), `-o` is an ordinary argument of the command.
  let options = true;
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    if (!arg.startsWith('-')) options = false;
    if (arg !== '-o' || !options) {
      entry.args.push(unbraced(arg));
      continue;
    }
    const opt = rawArgs[++i];
    const setting = opt === undefined ? '' : unbraced(opt);
    const eq = setting.indexOf('=');
    if (eq <= 0) throw new ConfigError(file, line, `service ${service}/${type}: -o needs name=value, got "${opt ?? ''}"`);
    entry.overrides[setting.slice(0, eq).trim()] = setting.slice(eq + 1).trim();
  }
  return entry;
}

/** parseMasterCf - every service of master.cf text; duplicate service/type pairs are errors. */
export function parseMasterCf(text: string, file: string): MasterEntry[] {
  const seen = new Map<string, number>();
  return logicalLines(text, file).map((l) => {
    const e = parseEntry(l.text, file, l.line, l.lastLine);
    const key = `${e.service}/${e.type}`;
    const first = seen.get(key);
    if (first !== undefined) throw new ConfigError(file, l.line, `duplicate service ${key} (first defined at line ${first})`);
    seen.set(key, l.line);
    return e;
  });
}
