/*
 * tablecmd - what postmap(1) and postalias(1) share: Postfix's options, and the
 * build / query (-q) / dump (-s) / delete (-d) operations over `[type:]name`
 * arguments. Reads main.cf parameters: default_database_type (type when none given).
 * Exit status as Postfix: 0 on success and when a -q/-d key was found, 1 otherwise;
 * errors print `prog: fatal: ...` and exit 1.
 */
import fs from 'node:fs';
import { Command } from 'commander';
import {
  buildTable, BUILDABLE_SUFFIX, deleteKeys, openTableType, TableError, type DuplicateMode, type LookupTable, type TableLog,
} from '@mailroom/global';
import { fatal, loadConfigOrDie, warn } from './util.js';

export interface TableCommand {
  prog: 'postmap' | 'postalias';
  /** Source format of the files it builds. */
  format: 'postmap' | 'aliases';
  /** Postfix's usage line options, e.g. "-bfhimnNoprsuUvw". */
  letters: string;
}

interface Options {
  N?: boolean; b?: boolean; c?: string; d?: string; f?: boolean; h?: boolean; i?: boolean; m?: boolean;
  n?: boolean; o?: boolean; p?: boolean; q?: string; r?: boolean; s?: boolean; w?: boolean;
}

/** readStdin - all of standard input ('' when there is none). */
export function readStdin(): string {
  try {
    return fs.readFileSync(0, 'utf8');
  } catch {
    return '';
  }
}

/** messageKeys - lookup keys of a message for -h (logical header lines) and -b (body lines). */
export function messageKeys(text: string, headers: boolean, body: boolean): string[] {
  const lines = text.replace(/\r?\n$/, '').split(/\r?\n/);
  const keys: string[] = [];
  let i = 0;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const line = lines[i] as string;
    if (/^[ \t]/.test(line) && keys.length > 0 && headers) keys[keys.length - 1] += `\n${line}`;
    else if (headers) keys.push(line);
  }
  if (body) keys.push(...lines.slice(i + 1));
  return keys;
}

function program(cmd: TableCommand): Command {
  const p = new Command(cmd.prog)
    .helpOption('--help', 'show this help')
    .option('-N', 'include the terminating null character in keys and values (lmdb)')
    .option('-c <config_dir>', 'configuration directory')
    .option('-d <key>', 'delete key from the tables (- reads keys from standard input)')
    .option('-f', 'do not fold lookup keys to lower case')
    .option('-i', 'incremental mode: add entries from standard input')
    .option('-n', 'do not include the terminating null character (default)')
    .option('-o', 'do not run as the source file owner when root')
    .option('-p', 'do not copy group/other permissions from the source file')
    .option('-q <key>', 'print the value of key (- reads keys from standard input)')
    .option('-r', 'replace duplicate entries instead of warning')
    .option('-s', 'print every entry')
    .option('-u', 'disable UTF-8 support (accepted, no effect)')
    .option('-v', 'verbose (accepted, no effect)')
    .option('-w', 'ignore duplicate entries without warning')
    .argument('[maps...]', '[type:]file');
  if (cmd.prog === 'postmap') {
    p.option('-b', 'with -q -: body lines are keys').option('-h', 'with -q -: header lines are keys').option('-m', 'MIME parsing with -b/-h (accepted, no effect)').option('-U', 'enable UTF-8 support (accepted, no effect)');
  }
  return p;
}

/** runTableCommand - parse argv, do the work, and return the exit status. */
export async function runTableCommand(cmd: TableCommand, argv: string[]): Promise<number> {
  const usage = `usage: ${cmd.prog} [-${cmd.letters}] [-c config_dir] [-d key] [-q key] [map_type:]file...`;
  const p = program(cmd)
    .configureOutput({ writeErr: () => undefined })
    .exitOverride((err) => (err.exitCode === 0 ? process.exit(0) : fatal(cmd.prog, usage)));
  p.parse(argv, { from: 'user' });
  const opts = p.opts<Options>();
  const args = p.args;
  if ([opts.s, opts.q !== undefined, opts.d !== undefined].filter(Boolean).length > 1) fatal(cmd.prog, 'specify only one of -s -q or -d');
  if (args.length === 0) fatal(cmd.prog, usage);
  const config = loadConfigOrDie(cmd.prog, opts.c);
  const dbType = config.get('default_database_type') || 'hash';
  const maps = args.map((a) => {
    const colon = a.indexOf(':');
    return colon > 0 ? { type: a.slice(0, colon), name: a.slice(colon + 1) } : { type: dbType, name: a };
  });
  const log: TableLog = { warn: (m) => warn(cmd.prog, m) };
  const foldCase = !opts.f;
  const open = (m: { type: string; name: string }): LookupTable => openTableType(m.type, m.name, { foldCase, log, reloadInterval: Infinity });
  try {
    if (opts.d !== undefined) {
      const keys = opts.d === '-' ? readStdin().split('\n').filter((k) => k !== '') : [opts.d];
      let found = 0;
      for (const m of maps) {
        if (BUILDABLE_SUFFIX[m.type] === undefined) {
          open(m).close();
          throw new TableError(`table ${m.type}:${m.name}: delete operation is not supported`);
        }
        found += await deleteKeys(m.type, m.name, keys, { foldCase, withNul: opts.N });
      }
      return found > 0 ? 0 : 1;
    }
    if (opts.q !== undefined) return await query(cmd, opts, maps.map(open));
    if (opts.s) {
      const t = open(maps[0] as { type: string; name: string });
      if (!t.entries) throw new TableError(`table ${t.type}:${t.name}: sequence operation is not supported`);
      const out: string[] = [];
      for (const [k, v] of t.entries()) out.push(`${k}\t${v}\n`);
      process.stdout.write(out.join(''));
      t.close();
      return 0;
    }
    const duplicates: DuplicateMode = opts.r ? 'replace' : opts.w ? 'ignore' : 'warn';
    const incremental = opts.i ? { text: readStdin(), file: 'stdin' } : undefined;
    for (const m of maps) {
      await buildTable(m.type, m.name, {
        format: cmd.format, foldCase, duplicates, withNul: opts.N, incremental, log, preservePermissions: !opts.p, asOwner: !opts.o,
      });
    }
    return 0;
  } catch (err) {
    if (err instanceof TableError) fatal(cmd.prog, err.message);
    throw err;
  }
}

/** query - -q key (first table that has it) or -q - (`key<TAB>value` per found key). */
async function query(cmd: TableCommand, opts: Options, tables: LookupTable[]): Promise<number> {
  const first = async (key: string): Promise<string | undefined> => {
    for (const t of tables) {
      const v = await t.get(key);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  if (opts.q !== '-') {
    const v = await first(opts.q as string);
    if (v !== undefined) process.stdout.write(`${v}\n`);
    return v === undefined ? 1 : 0;
  }
  const input = readStdin();
  const keys = opts.h || opts.b ? messageKeys(input, !!opts.h, !!opts.b) : input.split('\n').filter((k, i, a) => k !== '' || i < a.length - 1);
  const out: string[] = [];
  for (const key of keys) {
    const v = await first(key);
    if (v !== undefined) out.push(`${key}\t${v}\n`);
  }
  process.stdout.write(out.join(''));
  return out.length > 0 ? 0 : 1;
}
