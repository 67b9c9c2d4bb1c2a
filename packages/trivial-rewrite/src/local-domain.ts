/*
 * local-domain - Postfix's resolve_local(): is a domain ours for local delivery?
 * Yes when it matches mydestination (a string list: names and `type:table`s) or when it
 * is an address literal of one of our inet_interfaces/proxy_interfaces addresses.
 * One trailing dot is ignored. A table failure throws TableLookupError.
 */
import { literalAddress } from './interfaces.js';
import type { MatchList } from './match-list.js';

export class LocalDomains {
  constructor(
    private readonly mydestination: MatchList,
    private readonly own: ReadonlySet<string>,
  ) {}

  /** isLocal - whether mail for `domain` is delivered on this machine (local class). */
  async isLocal(domain: string): Promise<boolean> {
    const d = domain.endsWith('.') ? domain.slice(0, -1) : domain;
    if (d === '' || d.endsWith('.')) return false;
    if (await this.mydestination.match(d)) return true;
    const ip = literalAddress(d);
    return ip !== undefined && this.own.has(ip);
  }
}
