/*
 * match-list - Postfix's string and domain pattern lists (mydestination,
 * virtual_alias_domains, virtual_mailbox_domains: string lists; relay_domains: a
 * domain list). Each element is a name, `!name` (negation: stop, no match) or a
 * `type:table` looked up with the name; the first element that matches decides.
 * Domain lists also match subdomains: `.example.com` always, `example.com` when the
 * list's parameter is in parent_domain_matches_subdomains (then tables are asked for
 * the parent domains too). Names compare case-insensitively.
 * A table that fails throws TableLookupError: the resolver answers FAIL.
 */
import { domainSearchKeys, lookupKeys, type LookupTable } from '@mailroom/global';

export type TableOpener = (spec: string) => LookupTable;

interface Element {
  negate: boolean;
  /** A lower-cased name, or a table. */
  name?: string;
  table?: LookupTable;
}

/** isTableSpec - `type:name`, as Postfix's MATCH_DICTIONARY (not an `[ipv6]` literal). */
export function isTableSpec(pattern: string): boolean {
  return !pattern.startsWith('[') && pattern.indexOf(':') > 0;
}

export class MatchList {
  private readonly elements: Element[];

  /**
   * @param kind     'string': whole names only; 'domain': also subdomains.
   * @param parent   for domain lists: `example.com` matches its subdomains too.
   */
  constructor(
    readonly param: string,
    patterns: readonly string[],
    private readonly kind: 'string' | 'domain',
    private readonly parent: boolean,
    open: TableOpener,
  ) {
    this.elements = patterns.map((raw) => {
      const negate = raw.startsWith('!');
      const p = negate ? raw.slice(1) : raw;
      return isTableSpec(p) ? { negate, table: open(p) } : { negate, name: p.toLowerCase() };
    });
  }

  get empty(): boolean {
    return this.elements.length === 0;
  }

  /** match - whether `name` is in the list; throws TableLookupError on a table failure. */
  async match(name: string): Promise<boolean> {
    const n = name.toLowerCase();
    for (const e of this.elements) {
      const hit = e.table ? await this.inTable(e.table, n) : this.matchName(n, e.name ?? '');
      if (hit) return !e.negate;
    }
    return false;
  }

  private async inTable(table: LookupTable, n: string): Promise<boolean> {
    if (this.kind === 'string') return (await table.get(n)) !== undefined;
    return (await lookupKeys(table, domainSearchKeys(n, this.parent))) !== undefined;
  }

  private matchName(n: string, pattern: string): boolean {
    if (n === pattern) return true;
    if (this.kind === 'string' || pattern === '' || pattern === '.') return false;
    if (this.parent && !pattern.startsWith('.')) return n.endsWith(`.${pattern}`);
    return pattern.startsWith('.') && n.endsWith(pattern) && n.length > pattern.length;
  }
}
