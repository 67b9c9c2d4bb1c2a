/*
 * tables - the lookup tables trivial-rewrite reads (mydestination and the class lists'
 * `type:table` elements, transport_maps, sender_dependent_*_maps, relocated_maps).
 * Each is opened once. A table that cannot be opened (no .db file yet, bad syntax) does
 * not stop the daemon: its lookups fail with TableLookupError, so the resolver answers
 * FAIL and callers defer, and opening is tried again at most once per second, so mail
 * flows again as soon as `postmap` has run.
 * TableWatch notices table files that changed (a cheap stat, at most once per second), so
 * the daemon can drop cached answers; the tables reload themselves (tables/reloading).
 */
import fs from 'node:fs';
import {
  BUILDABLE_SUFFIX,
  openMaps,
  openTable,
  splitList,
  TableLookupError,
  type GetOptions,
  type LookupTable,
  type TableFlags,
  type TableLog,
} from '@mailroom/global';

const GUESS: TableFlags = { foldCase: true, fixed: true, pattern: false };
const RETRY_MS = 1000;

/** RetryingTable - a table opened on first use; until it opens, lookups throw TableLookupError. */
class RetryingTable implements LookupTable {
  readonly type: string;
  readonly name: string;
  private table: LookupTable | undefined;
  private error = '';
  private nextTry = 0;

  constructor(
    private readonly spec: string,
    private readonly open: (spec: string) => LookupTable,
    private readonly log: TableLog,
  ) {
    const colon = spec.indexOf(':');
    this.type = colon > 0 ? spec.slice(0, colon) : '';
    this.name = spec.slice(colon + 1);
    this.attempt();
  }

  get flags(): TableFlags {
    return this.table?.flags ?? GUESS;
  }

  get(key: string, opts?: GetOptions): Promise<string | undefined> {
    if (!this.table && Date.now() >= this.nextTry) this.attempt();
    if (!this.table) return Promise.reject(new TableLookupError(`${this.spec}: ${this.error}`));
    return this.table.get(key, opts);
  }

  close(): void {
    this.table?.close();
    this.table = undefined;
  }

  private attempt(): void {
    try {
      this.table = this.open(this.spec);
      if (this.error) this.log.info?.(`table ${this.spec} is now open`);
      this.error = '';
    } catch (err) {
      const text = (err as Error).message;
      if (text !== this.error) this.log.warn(`${this.spec}: ${text}`);
      this.error = text;
      this.nextTry = Date.now() + RETRY_MS;
    }
  }
}

export class RewriteTables {
  private readonly tables = new Map<string, LookupTable>();

  /** @param reloadInterval  passed to openTable: 0 = stat on every lookup (the daemon caches answers). */
  constructor(
    private readonly log: TableLog,
    private readonly reloadInterval = 0,
  ) {}

  /** open - the shared table for `spec` (never throws for a file problem; see RetryingTable). */
  open(spec: string): LookupTable {
    let t = this.tables.get(spec);
    if (!t) {
      t = new RetryingTable(spec, (s) => openTable(s, { log: this.log, reloadInterval: this.reloadInterval }), this.log);
      this.tables.set(spec, t);
    }
    return t;
  }

  /** maps - a parameter's list of tables (first hit wins), or undefined when the list is empty. */
  maps(specs: readonly string[]): LookupTable | undefined {
    return specs.length === 0 ? undefined : openMaps(specs, {}, (s) => this.open(s));
  }

  /** specs - every table opened so far, for TableWatch. */
  specs(): string[] {
    return [...this.tables.keys()];
  }

  closeAll(): void {
    for (const t of this.tables.values()) t.close();
    this.tables.clear();
  }
}

/** tableFiles - the files behind a table spec (none for inline, static...). */
export function tableFiles(spec: string): string[] {
  const colon = spec.indexOf(':');
  if (colon <= 0) return [];
  const type = spec.slice(0, colon);
  const name = spec.slice(colon + 1).trim();
  if (name.startsWith('{')) {
    if (type !== 'unionmap' && type !== 'pipemap') return [];
    return splitList(name.replace(/^\{|\}$/g, '')).flatMap(tableFiles);
  }
  const suffix = BUILDABLE_SUFFIX[type];
  if (suffix !== undefined) return [`${name}${suffix}`];
  return ['texthash', 'regexp', 'pcre', 'cidr'].includes(type) ? [name] : [];
}

function signature(file: string): string {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return 'missing';
  }
}

/** TableWatch - has any table file changed since the last check? */
export class TableWatch {
  private readonly sigs = new Map<string, string>();
  private last = 0;

  constructor(
    private readonly files: () => string[],
    private readonly intervalMs = 1000,
  ) {
    this.check();
  }

  /** changed - the first changed file, checked at most once per interval; undefined when none. */
  changed(): string | undefined {
    const now = Date.now();
    if (now - this.last < this.intervalMs) return undefined;
    return this.check();
  }

  private check(): string | undefined {
    this.last = Date.now();
    let first: string | undefined;
    for (const f of this.files()) {
      const sig = signature(f);
      const old = this.sigs.get(f);
      this.sigs.set(f, sig);
      if (old !== undefined && old !== sig) first ??= f;
    }
    return first;
  }
}
