/*
 * tables/reloading - one LookupTable class for every file-backed table type: it holds
 * the loaded contents (an in-memory matcher or an open database) and notices when the
 * file was changed or replaced, with a cheap stat() at most once per reload interval
 * (default one second), checked on lookup: no watcher per file. A failed reload keeps
 * the old contents and logs a warning. Used by openTable() for hash, lmdb, texthash,
 * regexp, pcre and cidr tables.
 */
import fs from 'node:fs';
import { TableError, type GetOptions, type LookupTable, type TableFlags, type TableLog } from './types.js';

/** What a loader returns: synchronous lookups over one version of the file. */
export interface LoadedTable {
  get(key: string): string | undefined;
  entries?(): Iterable<[string, string]>;
  close?(): void;
}

export interface ReloadingOptions {
  log: TableLog;
  reloadInterval: number;
}

function signature(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch (err) {
    return `missing:${(err as NodeJS.ErrnoException).code ?? ''}`;
  }
}

export class ReloadingTable implements LookupTable {
  private current: LoadedTable;
  private sig: string;
  private lastCheck = Date.now();

  /** The first load happens here and throws (TableError) when the table cannot be opened. */
  constructor(
    readonly type: string,
    readonly name: string,
    readonly flags: TableFlags,
    private readonly watchPath: string,
    private readonly loader: () => LoadedTable,
    private readonly opts: ReloadingOptions,
  ) {
    this.sig = signature(watchPath);
    this.current = loader();
  }

  async get(key: string, opts?: GetOptions): Promise<string | undefined> {
    return this.getSync(key, opts);
  }

  /** getSync - the lookup itself; every table type here answers without I/O waits. */
  getSync(key: string, opts?: GetOptions): string | undefined {
    if (opts?.partial && !this.flags.fixed) return undefined;
    this.reloadIfChanged();
    return this.current.get(this.flags.foldCase ? key.toLowerCase() : key);
  }

  entries(): Iterable<[string, string]> {
    if (!this.current.entries) throw new TableError(`table ${this.type}:${this.name}: sequence operation is not supported`);
    return this.current.entries();
  }

  /** reloadIfChanged - stat the file when the interval has passed; reload when it differs. */
  reloadIfChanged(): void {
    const now = Date.now();
    if (now - this.lastCheck < this.opts.reloadInterval) return;
    this.lastCheck = now;
    const sig = signature(this.watchPath);
    if (sig === this.sig) return;
    this.sig = sig;
    try {
      const next = this.loader();
      this.current.close?.();
      this.current = next;
      this.opts.log.info?.(`table ${this.type}:${this.name} has changed -- reloaded`);
    } catch (err) {
      this.opts.log.warn(`table ${this.type}:${this.name} has changed, but cannot be reloaded (keeping the old contents): ${(err as Error).message}`);
    }
  }

  close(): void {
    this.current.close?.();
    this.current = { get: () => undefined };
  }
}
