/*
 * postconf - Mailroom configuration utility, compatible with Postfix's postconf(1).
 *
 *   postconf [-c dir] [-d|-n] [-h] [-x] [name ...]   show parameters
 *   postconf [-c dir] -e name=value ...              set in main.cf (comments and order kept)
 *   postconf [-c dir] -X name ... | -# name ...      remove or comment out
 *   postconf [-c dir] -M [-f] [service[/type] ...]   show master.cf services
 *   postconf [-c dir] -Me service/type='line' | -MX service/type | -M# service/type
 *   postconf [-c dir] -P [service/type[/name] ...]   show master.cf -o parameters
 *   postconf -m                                       supported lookup table types
 * Reads the parameter registry for defaults; edits files atomically.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import {
  ConfigError, defaultConfigDir, editMainCf, editMasterCf, logicalLines, paramNames, paramRegistry,
  readMasterCf, supportedTableTypes, unusedParameters, writeConfigFile, type Config, type MasterEntry,
} from '@mailroom/global';
import { formatMasterEntry, matchesFilter } from './postconf-master.js';
import { fatal, loadConfigOrDie, warn } from './util.js';

const PROG = 'postconf';

interface Options {
  config?: string; defaults?: boolean; nondefault?: boolean; hideName?: boolean; expand?: boolean;
  edit?: boolean; remove?: boolean; comment?: boolean; master?: boolean; fold?: boolean;
  params?: boolean; maps?: boolean; override: string[];
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function parseOverrides(list: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const o of list) {
    const eq = o.indexOf('=');
    if (eq <= 0) fatal(PROG, `-o: expected name=value, got "${o}"`);
    out[o.slice(0, eq).trim()] = o.slice(eq + 1).trim();
  }
  return out;
}

/** show - print `name = value` (or just the value with -h). */
function show(name: string, value: string, opts: Options): void {
  process.stdout.write(opts.hideName ? `${value}\n` : `${name} = ${value}\n`.replace(/ = \n$/, ' =\n'));
}

function defaultValue(name: string, config: Config, expand: boolean): string {
  const spec = paramRegistry.get(name);
  if (!spec) return '';
  if (name === 'config_directory') return config.configDir;
  const raw = typeof spec.default === 'string' ? spec.default : spec.default((n) => config.get(n));
  return expand ? config.withOverrides({ [name]: raw }).get(name) : raw;
}

function services(config: Config): MasterEntry[] {
  try {
    return readMasterCf(config.configDir);
  } catch (err) {
    if (err instanceof ConfigError) fatal(PROG, err.message);
    throw err;
  }
}

function warnUnused(config: Config): void {
  const master = fs.existsSync(path.join(config.configDir, 'master.cf')) ? services(config) : [];
  for (const name of unusedParameters(config, master)) {
    warn(PROG, `${path.join(config.configDir, 'main.cf')}: unused parameter: ${name}=${config.raw(name) ?? ''}`);
  }
}

function showParameters(config: Config, names: string[], opts: Options): void {
  const value = (n: string) =>
    opts.defaults ? defaultValue(n, config, Boolean(opts.expand)) : opts.expand ? config.get(n) : (config.raw(n) ?? '');
  if (names.length > 0) {
    for (const n of names) {
      if (!paramRegistry.has(n) && !config.isSet(n)) warn(PROG, `${n}: unknown parameter`);
      else show(n, value(n), opts);
    }
    return;
  }
  if (!opts.defaults) warnUnused(config);
  const list = opts.defaults ? paramNames() : opts.nondefault ? [...config.setNames()].sort()
    : [...new Set([...paramNames(), ...config.setNames()])].sort();
  for (const n of list) show(n, value(n), opts);
}

function editMain(config: Config, args: string[], opts: Options): void {
  const file = path.join(config.configDir, 'main.cf');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  let next: string;
  if (opts.edit) {
    const set = new Map<string, string>();
    for (const a of args) {
      const eq = a.indexOf('=');
      if (eq <= 0) fatal(PROG, `-e: expected name=value, got "${a}"`);
      set.set(a.slice(0, eq).trim(), a.slice(eq + 1).trim());
    }
    next = editMainCf(text, file, set);
  } else if (opts.remove) {
    next = editMainCf(text, file, new Map(), new Set(args));
  } else {
    // -#: comment out each named parameter's logical line.
    const names = new Set(args);
    const lines = text.split('\n');
    for (const l of logicalLines(text, file)) {
      const name = l.text.split('=')[0]?.trim() ?? '';
      if (!names.has(name)) continue;
      for (let i = l.line - 1; i < l.lastLine; i++) lines[i] = `#${lines[i] ?? ''}`;
    }
    next = lines.join('\n');
  }
  writeConfigFile(file, next);
}

function master(config: Config, args: string[], opts: Options): void {
  const file = path.join(config.configDir, 'master.cf');
  if (opts.edit || opts.remove || opts.comment) {
    let text = fs.readFileSync(file, 'utf8');
    for (const a of args) {
      const m = /^([^/=\s]+)\/([^/=\s]+)(?:=(.*))?$/s.exec(a);
      if (!m) fatal(PROG, `-M: expected service/type${opts.edit ? '=entry' : ''}, got "${a}"`);
      const [, service, type, line] = m as unknown as [string, string, string, string | undefined];
      if (opts.edit && line === undefined) fatal(PROG, `-Me: expected service/type=entry, got "${a}"`);
      text = editMasterCf(text, file, opts.edit ? { kind: 'set', service, type, line: line as string }
        : opts.remove ? { kind: 'remove', service, type } : { kind: 'comment', service, type });
    }
    writeConfigFile(file, text);
    return;
  }
  for (const e of services(config)) {
    if (args.length === 0 || args.some((f) => matchesFilter(e, f))) {
      process.stdout.write(formatMasterEntry(e, Boolean(opts.fold)) + '\n');
    }
  }
}

function masterParams(config: Config, args: string[]): void {
  for (const e of services(config)) {
    for (const [name, value] of Object.entries(e.overrides)) {
      const key = `${e.service}/${e.type}/${name}`;
      if (args.length === 0 || args.some((f) => key === f || key.startsWith(`${f}/`))) {
        process.stdout.write(`${key} = ${value}\n`);
      }
    }
  }
}

function main(): void {
  const program = new Command(PROG)
    .description('Mailroom configuration utility')
    .option('-c <config_dir>', 'configuration directory')
    .option('-d', 'show default values')
    .option('-n', 'show only parameters set in main.cf')
    .option('-h', 'show values without the "name = " label')
    .option('-x', 'expand $name in values')
    .option('-e', 'edit main.cf (or master.cf with -M): name=value ...')
    .option('-X', 'remove parameters from main.cf (or services with -M)')
    .option('-#', 'comment out parameters in main.cf (or services with -M)')
    .option('-M', 'show master.cf service entries')
    .option('-P', 'show master.cf -o parameter settings')
    .option('-f', 'fold long master.cf entries')
    .option('-m', 'list supported lookup table types')
    .option('-o <name=value>', 'override a main.cf parameter', collect, [])
    .argument('[args...]')
    .helpOption('--help', 'display help')
    .configureOutput({ writeErr: (s) => process.stderr.write(`${PROG}: ${s}`) })
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 1))
    .parse();
  const f = program.opts<Record<string, unknown>>();
  const opts: Options = {
    config: f.c as string | undefined, defaults: Boolean(f.d), nondefault: Boolean(f.n), hideName: Boolean(f.h),
    expand: Boolean(f.x), edit: Boolean(f.e), remove: Boolean(f.X), comment: Boolean(f['#']), master: Boolean(f.M),
    fold: Boolean(f.f), params: Boolean(f.P), maps: Boolean(f.m), override: (f.o as string[]) ?? [],
  };
  const args = program.args;
  if (opts.maps) {
    for (const t of supportedTableTypes()) process.stdout.write(`${t}\n`);
    return;
  }
  const config = loadConfigOrDie(PROG, opts.config ?? defaultConfigDir(), parseOverrides(opts.override));
  try {
    if (opts.master) master(config, args, opts);
    else if (opts.params) masterParams(config, args);
    else if (opts.edit || opts.remove || opts.comment) editMain(config, args, opts);
    else showParameters(config, args, opts);
  } catch (err) {
    if (err instanceof ConfigError) fatal(PROG, err.message);
    throw err;
  }
}

main();
