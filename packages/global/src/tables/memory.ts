/*
 * tables/memory - tables that live in the table name itself: `static:value`,
 * `inline:{ key=value, { key = value with spaces } }`, `fail:name`, and the `{...}`
 * forms of regexp/pcre/cidr (`regexp:{ { /a/ b }, { /c/ d } }`), whose rules are read
 * as if they were lines of a file. Parsed once, never reloaded.
 */
import { splitList } from '../config/expand.js';
import type { SourceLine } from './source.js';
import { TableError, TableLookupError, type GetOptions, type LookupTable, type TableFlags } from './types.js';

/** braced - the text inside `{ ... }` (trimmed), or undefined when text is not one braced group. */
export function braced(text: string): string | undefined {
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return undefined;
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '{') depth++;
    else if (t[i] === '}' && --depth === 0 && i !== t.length - 1) return undefined;
  }
  return depth === 0 ? t.slice(1, -1).trim() : undefined;
}

/** bracedElements - the elements of `{ a, b, { c d } }`: split on commas and white space, groups whole. */
export function bracedElements(spec: string, name: string): string[] {
  const inner = braced(name);
  if (inner === undefined) throw new TableError(`${spec}: need "{" and "}" around the table contents`);
  return splitList(inner);
}

/** MemoryTable - a LookupTable over a synchronous function. */
export class MemoryTable implements LookupTable {
  constructor(
    readonly type: string,
    readonly name: string,
    readonly flags: TableFlags,
    private readonly lookup: (key: string) => string | undefined,
    private readonly list?: () => Iterable<[string, string]>,
  ) {}

  async get(key: string, opts?: GetOptions): Promise<string | undefined> {
    if (opts?.partial && !this.flags.fixed) return undefined;
    return this.lookup(this.flags.foldCase ? key.toLowerCase() : key);
  }

  entries(): Iterable<[string, string]> {
    if (!this.list) throw new TableError(`table ${this.type}:${this.name}: sequence operation is not supported`);
    return this.list();
  }

  close(): void {}
}

/** inlineEntries - `{ key=value, { key = value } }` as [key, value] pairs; throws TableError. */
export function inlineEntries(name: string): [string, string][] {
  const spec = `inline:${name}`;
  return bracedElements(spec, name).map((el) => {
    const text = braced(el) ?? el;
    const eq = text.indexOf('=');
    const key = eq < 0 ? '' : text.slice(0, eq).trim();
    if (!key) throw new TableError(`${spec}: syntax error in "${el}": need name=value`);
    return [key, text.slice(eq + 1).trim()];
  });
}

/** inlineLines - the rules of `regexp:{ {rule}, {rule} }` as source lines (numbered from 1). */
export function inlineLines(spec: string, name: string): SourceLine[] {
  return bracedElements(spec, name).map((el, i) => ({ text: braced(el) ?? el, line: i + 1 }));
}

/** staticTable - `static:value` or `static:{ value with spaces }`: the same value for every key. */
export function staticTable(name: string): LookupTable {
  const value = braced(name) ?? name;
  return new MemoryTable('static', name, { foldCase: false, fixed: true, pattern: false }, () => value);
}

/** failTable - `fail:name`: every lookup fails, as a temporary error. */
export function failTable(name: string): LookupTable {
  return new MemoryTable('fail', name, { foldCase: false, fixed: true, pattern: true }, () => {
    throw new TableLookupError(`table fail:${name}: lookup failed`);
  });
}
