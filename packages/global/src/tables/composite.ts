/*
 * tables/composite - tables made of other tables: `unionmap:{ t1, t2 }` (every
 * result, joined with commas), `pipemap:{ t1, t2 }` (each result is the next key),
 * and a parameter's list of maps (`virtual_alias_maps = hash:a, regexp:b`): the
 * first table that has the key wins, as Postfix's maps_find() does.
 */
import type { GetOptions, LookupTable, TableFlags } from './types.js';

function joinFlags(tables: readonly LookupTable[]): TableFlags {
  return {
    foldCase: false,
    fixed: tables.some((t) => t.flags.fixed),
    pattern: tables.some((t) => t.flags.pattern),
  };
}

abstract class CompositeTable implements LookupTable {
  readonly flags: TableFlags;
  constructor(
    readonly type: string,
    readonly name: string,
    readonly tables: readonly LookupTable[],
  ) {
    this.flags = joinFlags(tables);
  }
  abstract get(key: string, opts?: GetOptions): Promise<string | undefined>;
  close(): void {
    for (const t of this.tables) t.close();
  }
}

/** UnionTable - unionmap: all results, in table order, joined with commas. */
export class UnionTable extends CompositeTable {
  async get(key: string, opts?: GetOptions): Promise<string | undefined> {
    const found: string[] = [];
    for (const t of this.tables) {
      const v = await t.get(key, opts);
      if (v !== undefined) found.push(v);
    }
    return found.length > 0 ? found.join(',') : undefined;
  }
}

/** PipeTable - pipemap: the result of each table is the key for the next. */
export class PipeTable extends CompositeTable {
  async get(key: string, opts?: GetOptions): Promise<string | undefined> {
    let cur: string | undefined = key;
    for (let i = 0; i < this.tables.length && cur !== undefined; i++) {
      cur = await (this.tables[i] as LookupTable).get(cur, i === 0 ? opts : undefined);
    }
    return cur;
  }
}

/** MapsList - a parameter's list of tables: the first one that has the key answers. */
export class MapsList extends CompositeTable {
  async get(key: string, opts?: GetOptions): Promise<string | undefined> {
    for (const t of this.tables) {
      const v = await t.get(key, opts);
      if (v !== undefined) return v;
    }
    return undefined;
  }
}
