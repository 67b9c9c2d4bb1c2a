/*
 * tables/open - openTable("type:name"): the one way every daemon and command opens
 * a lookup table, and the list of supported types for `postconf -m`.
 * File tables are opened here and reloaded when their file changes (tables/reloading).
 */
import fs from 'node:fs';
import { splitList } from '../config/expand.js';
import { cidrDialect } from './cidr.js';
import { MapsList, PipeTable, UnionTable } from './composite.js';
import { EntrySet } from './entries.js';
import { HashFileReader } from './hashfile.js';
import { openLmdbReader } from './lmdb.js';
import { bracedElements, braced, failTable, inlineEntries, inlineLines, MemoryTable, staticTable } from './memory.js';
import { pcreDialect, regexpDialect } from './regexp.js';
import { ReloadingTable, type LoadedTable } from './reloading.js';
import { compileRules, type RuleDialect } from './rules.js';
import { eachKeyValue, sourceLines } from './source.js';
import { errnoText, stderrLog, TableError, type LookupTable, type OpenTableOptions, type TableFlags, type TableLog } from './types.js';

interface Resolved {
  foldCase: boolean;
  log: TableLog;
  reloadInterval: number;
  duplicates: 'warn' | 'ignore' | 'replace';
}

const resolve = (o: OpenTableOptions = {}): Resolved => ({
  foldCase: o.foldCase ?? true,
  log: o.log ?? stderrLog,
  reloadInterval: o.reloadInterval ?? 1000,
  duplicates: o.duplicates ?? 'warn',
});

// `any` keeps one table of dialects with different key and match types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const DIALECTS: Record<string, RuleDialect<any, any>> = { regexp: regexpDialect, pcre: pcreDialect, cidr: cidrDialect };

/** Types that postmap/postalias can build, and the file each one writes. */
export const BUILDABLE_SUFFIX: Readonly<Record<string, string>> = { hash: '.db', lmdb: '.lmdb' };

/** supportedTableTypes - every table type openTable() knows, for `postconf -m`. */
export function supportedTableTypes(): string[] {
  return ['cidr', 'fail', 'hash', 'inline', 'lmdb', 'pcre', 'pipemap', 'regexp', 'static', 'texthash', 'unionmap'];
}

/** parseTableSpec - "type:name" into its parts; throws TableError without a type. */
export function parseTableSpec(spec: string): { type: string; name: string } {
  const colon = spec.indexOf(':');
  if (colon <= 0) throw new TableError(`open dictionary: expecting "type:name" form instead of "${spec}"`);
  return { type: spec.slice(0, colon), name: spec.slice(colon + 1) };
}

/** readSource - a table's source text; TableError "open FILE: reason" as Postfix says it. */
export function readSource(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new TableError(`open ${file}: ${errnoText(err)}`);
  }
}

/** openDatabase - open a compiled table file; TableError "open database FILE: reason". */
function openDatabase(file: string, open: (file: string) => LoadedTable): LoadedTable {
  try {
    return open(file);
  } catch (err) {
    if (err instanceof TableError) throw err;
    throw new TableError(`open database ${file}: ${errnoText(err)}`);
  }
}

/** textEntries - a postmap-format source (texthash) as an EntrySet, keys folded as asked. */
function textEntries(text: string, file: string, o: Resolved): EntrySet {
  const set = new EntrySet(o.duplicates, (key, line) => o.log.warn(`${file}, line ${line}: duplicate entry: "${key}"`));
  eachKeyValue(text, file, o.log, (key, value, line) => set.add(o.foldCase ? key.toLowerCase() : key, value, line));
  return set;
}

const fixedFlags = (o: Resolved): TableFlags => ({ foldCase: o.foldCase, fixed: true, pattern: false });
const patternFlags: TableFlags = { foldCase: false, fixed: false, pattern: true };

/** openTableType - open one table of a given type; throws TableError. */
export function openTableType(type: string, name: string, options?: OpenTableOptions): LookupTable {
  const o = resolve(options);
  const reloading = (watch: string, flags: TableFlags, loader: () => LoadedTable): LookupTable =>
    new ReloadingTable(type, name, flags, watch, loader, { log: o.log, reloadInterval: o.reloadInterval });
  const dialect = DIALECTS[type];
  if (dialect) {
    if (braced(name) !== undefined) {
      const lookup = compileRules(inlineLines(`${type}:${name}`, name), `${type}:${name}`, dialect, o.log);
      return new MemoryTable(type, name, patternFlags, lookup);
    }
    return reloading(name, patternFlags, () => ({ get: compileRules(sourceLines(readSource(name), name, o.log), name, dialect, o.log) }));
  }
  switch (type) {
    case 'hash':
      return reloading(`${name}.db`, fixedFlags(o), () => openDatabase(`${name}.db`, (f) => new HashFileReader(f)));
    case 'lmdb':
      return reloading(`${name}.lmdb`, fixedFlags(o), () => openDatabase(`${name}.lmdb`, openLmdbReader));
    case 'texthash':
      return reloading(name, fixedFlags(o), () => {
        const set = textEntries(readSource(name), name, o);
        return { get: (k) => set.get(k), entries: () => set.entries() };
      });
    case 'inline': {
      const set = new EntrySet(o.duplicates, (key) => o.log.warn(`inline:${name}: duplicate entry: "${key}"`));
      for (const [k, v] of inlineEntries(name)) set.add(o.foldCase ? k.toLowerCase() : k, v);
      return new MemoryTable(type, name, fixedFlags(o), (k) => set.get(k), () => set.entries());
    }
    case 'static':
      return staticTable(name);
    case 'fail':
      return failTable(name);
    case 'unionmap':
    case 'pipemap': {
      const members = bracedElements(`${type}:${name}`, name).map((s) => openTable(s, options));
      if (members.length === 0) throw new TableError(`${type}:${name}: empty table list`);
      return type === 'unionmap' ? new UnionTable(type, name, members) : new PipeTable(type, name, members);
    }
    default:
      throw new TableError(`unsupported dictionary type: ${type}`);
  }
}

/** openTable - open "type:name" (hash:/etc/postfix/virtual, inline:{a=b}, ...); throws TableError. */
export function openTable(spec: string, options?: OpenTableOptions): LookupTable {
  const { type, name } = parseTableSpec(spec);
  return openTableType(type, name, options);
}

/** openMaps - a parameter's table list (string or split list): first table with the key wins. */
export function openMaps(list: string | readonly string[], options?: OpenTableOptions, open = openTable): LookupTable {
  const specs = typeof list === 'string' ? splitList(list) : list;
  return new MapsList('maps', specs.join(', '), specs.map((s) => open(s, options)));
}
