/*
 * tables/build - create, update and delete from compiled tables (hash: name.db,
 * lmdb: name.lmdb), for postmap, postalias and newaliases. Every change writes a
 * complete new file and renames it into place (tables/atomic), under a lock
 * (`name.db.lock`, proper-lockfile) so that concurrent postmap runs do not lose
 * updates. As Postfix does, the new file gets the source file's group/other read
 * permissions and, when run as root, the source file's owner.
 */
import fs from 'node:fs';
import lockfile from 'proper-lockfile';
import { parseAliasLine } from './aliases.js';
import { replaceFileAtomic } from './atomic.js';
import { EntrySet } from './entries.js';
import { HASH_FLAG_FOLDED, HashFileReader, writeHashFile } from './hashfile.js';
import { openLmdbReader, writeLmdbFile } from './lmdb.js';
import { BUILDABLE_SUFFIX, readSource } from './open.js';
import { eachKeyValue, eachSourceLine } from './source.js';
import { errnoText, stderrLog, TableError, type DuplicateMode, type TableLog } from './types.js';

export interface BuildOptions {
  /** `postmap` (key whitespace value) or `aliases` (name: value, ...). */
  format: 'postmap' | 'aliases';
  /** Fold keys to lower case (default true; -f turns it off). */
  foldCase?: boolean;
  /** Repeated keys: warn and keep the first (default), ignore (-w), replace (-r). */
  duplicates?: DuplicateMode;
  /** Store keys and values with a terminating NUL (-N; lmdb only). */
  withNul?: boolean;
  /** Incremental (-i): add these entries (read from standard input) to the existing table. */
  incremental?: { text: string; file: string };
  /** Copy group/other read permission from the source (default true; -p turns it off). */
  preservePermissions?: boolean;
  /** When root, give the table the source file's owner (default true; -o turns it off). */
  asOwner?: boolean;
  log?: TableLog;
}

/** compiledPath - the file a buildable table type is stored in; TableError for other types. */
export function compiledPath(type: string, name: string): string {
  const suffix = BUILDABLE_SUFFIX[type];
  if (suffix === undefined) throw new TableError(`unsupported map type for this operation: ${type}`);
  return name + suffix;
}

function readCompiled(type: string, file: string): Iterable<[string, string]> & { close(): void } {
  try {
    const reader = type === 'lmdb' ? openLmdbReader(file) : new HashFileReader(file);
    return { [Symbol.iterator]: () => reader.entries!()[Symbol.iterator](), close: () => reader.close?.() };
  } catch (err) {
    if (err instanceof TableError) throw err;
    throw new TableError(`open database ${file}: ${errnoText(err)}`);
  }
}

async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const release = await lockfile.lock(file, { realpath: false, stale: 60000, retries: { retries: 200, factor: 1.2, minTimeout: 10, maxTimeout: 300 } });
  try {
    return await fn();
  } finally {
    await release();
  }
}

async function writeCompiled(type: string, file: string, set: EntrySet, o: { fold: boolean; withNul: boolean; mode: number; owner?: { uid: number; gid: number } }): Promise<void> {
  await replaceFileAtomic(
    file,
    async (tmp) => {
      if (type === 'lmdb') return writeLmdbFile(tmp, set.map, o.withNul);
      const fd = fs.openSync(tmp, 'wx', o.mode);
      try {
        writeHashFile(fd, set.map, o.fold ? HASH_FLAG_FOLDED : 0);
      } finally {
        fs.closeSync(fd);
      }
    },
    { mode: o.mode, owner: o.owner },
  );
}

/** buildTable - (re)build type:name from its source file, or add -i entries; returns the entry count. */
export async function buildTable(type: string, name: string, opts: BuildOptions): Promise<number> {
  const file = compiledPath(type, name);
  const log = opts.log ?? stderrLog;
  const fold = opts.foldCase ?? true;
  const srcFile = opts.incremental?.file ?? name;
  const text = opts.incremental?.text ?? readSource(name);
  const st = opts.incremental ? undefined : fs.statSync(name);
  const keep = st && (opts.preservePermissions ?? true) && st.isFile();
  const mode = keep ? 0o600 | (st.mode & 0o044) : 0o644;
  const owner = st && (opts.asOwner ?? true) && process.getuid?.() === 0 ? { uid: st.uid, gid: st.gid } : undefined;
  const where = type === 'lmdb' ? `lmdb:${name}` : file;
  return withLock(file, async () => {
    const set = new EntrySet(opts.duplicates ?? 'warn', (key) => log.warn(`${where}: duplicate entry: "${key}"`));
    let prev: { mode: number; uid: number; gid: number } | undefined;
    if (opts.incremental && fs.existsSync(file)) {
      prev = fs.statSync(file);
      const existing = readCompiled(type, file);
      for (const [k, v] of existing) set.add(k, v);
      existing.close();
    }
    const add = (key: string, value: string): void => set.add(fold ? key.toLowerCase() : key, value);
    if (opts.format === 'aliases') {
      eachSourceLine(text, srcFile, log, (t, line) => {
        const e = parseAliasLine(t, line, srcFile, log);
        if (e) add(e.name, e.value);
      });
    } else {
      eachKeyValue(text, srcFile, log, add);
    }
    if (opts.format === 'aliases') {
      set.delete('@');
      set.add('@', '@'); // sendmail compatibility: the database is complete
    }
    const keepPrev = prev ? { mode: prev.mode & 0o7777, owner: { uid: prev.uid, gid: prev.gid } } : undefined;
    await writeCompiled(type, file, set, { fold, withNul: opts.withNul ?? false, mode: keepPrev?.mode ?? mode, owner: keepPrev?.owner ?? owner });
    return set.size;
  });
}

/** deleteKeys - remove keys from the compiled table (not its source); returns how many were found. */
export async function deleteKeys(type: string, name: string, keys: readonly string[], opts: { foldCase?: boolean; withNul?: boolean } = {}): Promise<number> {
  const file = compiledPath(type, name);
  const fold = opts.foldCase ?? true;
  if (!fs.existsSync(file)) throw new TableError(`open database ${file}: No such file or directory`);
  return withLock(file, async () => {
    const st = fs.statSync(file);
    const set = new EntrySet('replace', () => undefined);
    const existing = readCompiled(type, file);
    for (const [k, v] of existing) set.add(k, v);
    existing.close();
    let found = 0;
    for (const k of keys) if (set.delete(fold ? k.toLowerCase() : k)) found++;
    const owner = process.getuid?.() === 0 ? { uid: st.uid, gid: st.gid } : undefined;
    if (found > 0) await writeCompiled(type, file, set, { fold, withNul: opts.withNul ?? false, mode: st.mode & 0o7777, owner });
    return found;
  });
}
