/*
 * config/load - build the frozen Config snapshot every process works from:
 * service overrides (master.cf `-o`), then main.cf, then the registry's defaults.
 *
 * The configuration directory is `-c DIR`, else $MAIL_CONFIG, else the embedded
 * default instance `etc/` of this installation. Reads main.cf once, at load time.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { paramRegistry, type ParamSpec } from '../params/index.js';
import { expandValue, ExpansionError, splitList } from './expand.js';
import { parseMainCf } from './maincf.js';
import { parseMasterCf, type MasterEntry } from './mastercf.js';
import { ConfigError, type Config, type ParamOrigin } from './types.js';

/** installDir - the root of this Mailroom installation (the repository). */
export function installDir(): string {
  return path.resolve(fileURLToPath(new URL('../../../../', import.meta.url)));
}

/** defaultConfigDir - $MAIL_CONFIG, else the embedded instance's `etc/`. */
export function defaultConfigDir(): string {
  return path.resolve(process.env.MAIL_CONFIG || path.join(installDir(), 'etc'));
}

export interface LoadOptions {
  configDir?: string;
  /** Service overrides (`-o name=value`), applied over main.cf. */
  overrides?: Record<string, string>;
  /** Where the overrides come from, for error messages (master.cf line). */
  overrideOrigin?: ParamOrigin;
}

interface Setting {
  value: string;
  origin: ParamOrigin;
}

const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 } as const;

class ConfigSnapshot implements Config {
  private readonly computed = new Map<string, string>();
  private readonly expanded = new Map<string, string>();

  constructor(
    readonly configDir: string,
    private readonly settings: ReadonlyMap<string, Setting>,
  ) {
    Object.freeze(this.settings);
  }

  raw(name: string): string | undefined {
    if (name === 'config_directory') return this.configDir;
    const set = this.settings.get(name);
    if (set) return set.value;
    const spec = paramRegistry.get(name);
    if (!spec) return undefined;
    if (typeof spec.default === 'string') return spec.default;
    let v = this.computed.get(name);
    if (v === undefined) {
      v = spec.default((n) => this.get(n));
      this.computed.set(name, v);
    }
    return v;
  }

  get(name: string): string {
    let v = this.expanded.get(name);
    if (v !== undefined) return v;
    const raw = this.raw(name);
    try {
      v = raw === undefined ? '' : expandValue(raw, (n) => this.raw(n), [name]);
    } catch (err) {
      if (err instanceof ExpansionError) throw this.error(name, err.message);
      throw err;
    }
    this.expanded.set(name, v);
    return v;
  }

  isSet(name: string): boolean {
    return this.settings.has(name);
  }

  origin(name: string): ParamOrigin | undefined {
    return this.settings.get(name)?.origin;
  }

  setNames(): string[] {
    return [...this.settings.keys()];
  }

  getInt(name: string): number {
    const v = this.get(name).trim();
    if (!/^-?\d+$/.test(v)) throw this.error(name, `bad numerical configuration: ${name} = ${v}`);
    const n = Number(v);
    this.checkMin(name, n, v);
    return n;
  }

  getBool(name: string): boolean {
    const v = this.get(name).trim().toLowerCase();
    if (v === 'yes' || v === 'true') return true;
    if (v === 'no' || v === 'false') return false;
    throw this.error(name, `bad boolean configuration: ${name} = ${v}`);
  }

  getTime(name: string): number {
    const v = this.get(name).trim();
    const m = /^(\d+)([smhdw]?)$/.exec(v);
    if (!m) throw this.error(name, `bad time value: ${name} = ${v}`);
    const unit = (m[2] || this.spec(name)?.unit || 's') as keyof typeof UNIT_SECONDS;
    const n = Number(m[1]) * UNIT_SECONDS[unit];
    this.checkMin(name, n, v);
    return n;
  }

  getList(name: string): string[] {
    const items = splitList(this.get(name));
    if (!this.spec(name)?.fileEntries) return items;
    return items.flatMap((item) => (item.startsWith('/') ? this.readListFile(name, item) : [item]));
  }

  withOverrides(overrides: Record<string, string>, origin?: ParamOrigin): Config {
    const settings = new Map(this.settings);
    const where = origin ?? { file: path.join(this.configDir, 'master.cf'), line: 0 };
    for (const [k, v] of Object.entries(overrides)) settings.set(k, { value: v, origin: where });
    return new ConfigSnapshot(this.configDir, settings);
  }

  private spec(name: string): ParamSpec | undefined {
    return paramRegistry.get(name);
  }

  private checkMin(name: string, n: number, text: string): void {
    const min = this.spec(name)?.min;
    if (min !== undefined && n < min) throw this.error(name, `invalid ${name} parameter value ${text} < ${min}`);
  }

  private readListFile(name: string, file: string): string[] {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw this.error(name, `open ${file}: ${(err as Error).message}`);
    }
    return text.split('\n').flatMap((l) => splitList(l.replace(/#.*/, '')));
  }

  private error(name: string, reason: string): ConfigError {
    const o = this.origin(name);
    return new ConfigError(o?.file ?? path.join(this.configDir, 'main.cf'), o?.line ?? 0, reason);
  }
}

/** loadConfig - read main.cf of `configDir` and return the snapshot. */
export function loadConfig(opts: LoadOptions = {}): Config {
  const configDir = path.resolve(opts.configDir ?? defaultConfigDir());
  const file = path.join(configDir, 'main.cf');
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'ENOENT') throw new ConfigError(file, 0, `open: ${e.message}`);
    // Postfix needs main.cf; a missing one is reported by `postfix check`, defaults apply here.
  }
  const settings = new Map<string, Setting>();
  for (const e of parseMainCf(text, file)) {
    settings.delete(e.name); // a later setting wins and takes the later place
    settings.set(e.name, { value: e.value, origin: { file, line: e.line } });
  }
  const snapshot = new ConfigSnapshot(configDir, settings);
  return opts.overrides ? snapshot.withOverrides(opts.overrides, opts.overrideOrigin) : snapshot;
}

/** readMasterCf - the services of `configDir/master.cf` (ConfigError on a bad line). */
export function readMasterCf(configDir: string): MasterEntry[] {
  const file = path.join(configDir, 'master.cf');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(file, 0, `open: ${(err as Error).message}`);
  }
  return parseMasterCf(text, file);
}

/** writeConfigFile - replace a configuration file atomically, keeping its mode. */
export function writeConfigFile(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  let mode = 0o644;
  try {
    mode = fs.statSync(file).mode & 0o7777;
  } catch {
    // a new file gets the default mode
  }
  fs.writeFileSync(tmp, text, { mode });
  const fd = fs.openSync(tmp, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}
