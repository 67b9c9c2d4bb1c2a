/*
 * tables/types - the one interface behind every lookup table type (hash, lmdb,
 * texthash, regexp, pcre, cidr, static, inline, unionmap, pipemap, fail), and the
 * errors tables raise. Used by every daemon that reads `*_maps` parameters and by
 * postmap/postalias. Reads no parameters.
 */
import { strerror } from '../errno.js';

/** How a table treats lookup keys (Postfix's DICT_FLAG_FOLD_FIX, _FIXED, _PATTERN). */
export interface TableFlags {
  /** Keys are folded to lower case before lookup (fixed-string tables, unless `-f`). */
  readonly foldCase: boolean;
  /** The table matches fixed strings: partial keys (`user@`, `@domain`) are tried. */
  readonly fixed: boolean;
  /** The table matches patterns (regexp, pcre, cidr): only whole keys are tried. */
  readonly pattern: boolean;
}

export interface GetOptions {
  /**
   * The key is a partial key (stripped extension, `@domain`, parent domain...):
   * Postfix asks only fixed-string tables for those, never pattern tables.
   */
  partial?: boolean;
}

export interface LookupTable {
  /** Table type as written in `type:name` (`hash`, `regexp`...). */
  readonly type: string;
  /** Table name: a file name, or the `{...}` text of inline tables. */
  readonly name: string;
  readonly flags: TableFlags;
  /** Value for key, or undefined when not found; throws TableLookupError on a lookup failure. */
  get(key: string, opts?: GetOptions): Promise<string | undefined>;
  /** All entries, for `postmap -s` (only tables that can list their contents). */
  entries?(): Iterable<[string, string]>;
  /** Release file descriptors and memory. */
  close(): void;
}

/** Where tables report bad source lines and reloads (a pino logger fits). */
export interface TableLog {
  warn(msg: string): void;
  info?(msg: string): void;
}

export type DuplicateMode = 'warn' | 'ignore' | 'replace';

export interface OpenTableOptions {
  /** Fold fixed-string keys to lower case (default true; `postmap -f` turns it off). */
  foldCase?: boolean;
  /** Receives warnings for skipped source lines and reload notices; default: standard error. */
  log?: TableLog;
  /** Milliseconds between checks whether a table file changed; default 1000, 0 = every lookup. */
  reloadInterval?: number;
  /** What in-memory tables (texthash, inline) do with a repeated key; default `warn` (first wins). */
  duplicates?: DuplicateMode;
}

/** A table that cannot be opened or built: missing file, unsupported type, bad syntax. */
export class TableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TableError';
  }
}

/** A lookup that failed (not "not found"): the caller should defer, as Postfix does. */
export class TableLookupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TableLookupError';
  }
}

/** stderrLog - the default TableLog: `warning: text` on standard error. */
export const stderrLog: TableLog = {
  warn: (msg) => process.stderr.write(`warning: ${msg}\n`),
};

/** foldKey - Postfix's lower-casing of fixed-string lookup keys. */
export function foldKey(key: string, fold: boolean): string {
  return fold ? key.toLowerCase() : key;
}

/** errnoText - the C library's text for a Node file error ("No such file or directory"). */
export function errnoText(err: unknown): string {
  return strerror(err);
}
