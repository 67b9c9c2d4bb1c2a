/*
 * tables/lmdb - `lmdb:` tables (name.lmdb) through the `lmdb` npm package (real
 * LMDB, memory-mapped, single file with MDB_NOSUBDIR as Postfix uses it). The
 * package is loaded on first use only, so processes without lmdb tables never load
 * its native addon. Readers open the file read-only; writers always build a new
 * file that replaces the old one atomically (tables/atomic), so a reader never sees
 * a table being changed. Keys and values are stored without a trailing NUL (as
 * `postmap -n`); lookups also try a NUL-terminated key, so tables that Postfix built
 * with `-N` can be read too.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { LoadedTable } from './reloading.js';

type LmdbModule = typeof import('lmdb');
type Database = ReturnType<LmdbModule['open']>;

let lmdbModule: LmdbModule | undefined;
function lmdb(): LmdbModule {
  lmdbModule ??= createRequire(import.meta.url)('lmdb') as LmdbModule;
  return lmdbModule;
}

const BINARY = { noSubdir: true, encoding: 'binary', keyEncoding: 'binary', compression: false } as const;
const NUL = Buffer.from([0]);

const text = (b: Buffer): string => b.toString('utf8', 0, b.length > 0 && b[b.length - 1] === 0 ? b.length - 1 : b.length);

interface SharedEnv {
  db: Database | undefined;
  ino: number;
  refs: number;
}

/*
 * One read-only environment per table path in this process. LMDB keeps its lock file
 * by path name (name.lmdb-lock) and POSIX record locks are per process, so an old
 * and a new environment of one path must never be open together: closing the old
 * one would drop the new one's locks (lmdb then fails with "Invalid argument").
 * When the file was replaced, the shared environment is closed and reopened, and
 * every table using that path moves to the new file at once.
 */
const shared = new Map<string, SharedEnv>();

/** openLmdbReader - read-only lookups in path; throws the fs error when it is missing. */
export function openLmdbReader(file: string): LoadedTable {
  const key = path.resolve(file);
  const ino = fs.statSync(key).ino;
  fs.accessSync(key, fs.constants.R_OK);
  let env = shared.get(key);
  if (!env) {
    env = { db: undefined, ino: -1, refs: 0 };
    shared.set(key, env);
  }
  if (env.ino !== ino || !env.db) {
    void env.db?.close();
    env.db = undefined;
    env.db = lmdb().open({ path: key, readOnly: true, ...BINARY });
    env.ino = ino;
  }
  env.refs++;
  const e = env;
  let closed = false;
  const db = (): Database => {
    if (!e.db) throw new Error(`${file}: table was closed`);
    return e.db;
  };
  return {
    get(k) {
      const kb = Buffer.from(k);
      const v = (db().getBinary(kb) ?? db().getBinary(Buffer.concat([kb, NUL]))) as Buffer | undefined;
      return v === undefined ? undefined : text(v);
    },
    *entries() {
      for (const { key: k, value } of db().getRange()) yield [text(k as Buffer), text(value as Buffer)];
    },
    close() {
      if (closed) return;
      closed = true;
      if (--e.refs === 0) {
        void e.db?.close();
        shared.delete(key);
      }
    },
  };
}

/** writeLmdbFile - create a new LMDB file at path with the given entries (keys in any order). */
export async function writeLmdbFile(file: string, entries: ReadonlyMap<string, string>, withNul: boolean): Promise<void> {
  const db: Database = lmdb().open({ path: file, ...BINARY });
  try {
    const enc = (s: string): Buffer => (withNul ? Buffer.concat([Buffer.from(s), NUL]) : Buffer.from(s));
    db.transactionSync(() => {
      for (const [k, v] of entries) db.putSync(enc(k), enc(v));
    });
  } finally {
    await db.close();
    fs.rmSync(`${file}-lock`, { force: true });
  }
}
