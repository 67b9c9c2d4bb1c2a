/*
 * tables/cache - tableCache: a daemon opens each table once, however many parameters
 * or clients use it. Tables from the cache are shared: close them all with
 * tableCache.closeAll() (at process exit), never one by one.
 */
import { openMaps, openTable } from './open.js';
import type { LookupTable, OpenTableOptions } from './types.js';

export class TableCache {
  private readonly tables = new Map<string, LookupTable>();

  /** open - the shared table for spec (opened on first use); throws TableError. */
  open(spec: string, options?: OpenTableOptions): LookupTable {
    const id = `${options?.foldCase === false ? 'F' : 'f'}${spec}`;
    let t = this.tables.get(id);
    if (!t) {
      t = openTable(spec, options);
      this.tables.set(id, t);
    }
    return t;
  }

  /** openMaps - a parameter's list of tables, each member shared through the cache. */
  openMaps(list: string | readonly string[], options?: OpenTableOptions): LookupTable {
    return openMaps(list, options, (spec, o) => this.open(spec, o));
  }

  get size(): number {
    return this.tables.size;
  }

  closeAll(): void {
    for (const t of this.tables.values()) t.close();
    this.tables.clear();
  }
}

/** tableCache - the process-wide cache. */
export const tableCache = new TableCache();
