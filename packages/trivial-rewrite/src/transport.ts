/*
 * transport - transport_maps as transport(5) describes them. Search order for the
 * resolved recipient user+ext@example.com:
 *   user+ext@example.com, user@example.com       (recipient_delimiter),
 *   example.com, then its parents: .com          (`com` when transport_maps is listed in
 *                                                  parent_domain_matches_subdomains),
 *   *                                            (the wild card).
 * Pattern tables (regexp, pcre) see only the full address and `*`. Results:
 *   transport:nexthop   both replaced;
 *   transport:          the transport replaced, the next hop reset to the recipient domain
 *                       (`error`/`retry`: "Address is undeliverable");
 *   :nexthop            only the next hop replaced;
 *   : (or empty)        nothing changes.
 * Reads (passed in): transport_maps, recipient_delimiter, parent_domain_matches_subdomains.
 */
import { domainSearchKeys, lookupKeys, splitAddress, splitExtension, type LookupTable, type SearchKey } from '@mailroom/global';

export interface Route {
  transport: string;
  nexthop: string;
}

/** transportSearchKeys - the transport(5) keys for a resolved recipient, in order. */
export function transportSearchKeys(recipient: string, delimiter: string, parentMatches: boolean): SearchKey[] {
  const { local, domain } = splitAddress(recipient);
  const keys: SearchKey[] = [{ key: recipient, partial: false, form: 'address' }];
  const { user, extension } = splitExtension(local, delimiter);
  if (extension) keys.push({ key: `${user}@${domain}`, partial: true, form: 'address' });
  if (domain) keys.push(...domainSearchKeys(domain, parentMatches, true));
  keys.push({ key: '*', partial: false, form: 'domain' });
  return keys;
}

/** applyTransportEntry - a transport(5) result over the route the address class gave. */
export function applyTransportEntry(value: string, rcptDomain: string, route: Route): Route {
  const colon = value.indexOf(':');
  const transport = (colon < 0 ? value : value.slice(0, colon)).trim();
  const nexthop = colon < 0 ? '' : value.slice(colon + 1).trim();
  if (transport === '') return nexthop === '' ? route : { transport: route.transport, nexthop };
  if (nexthop !== '') return { transport, nexthop };
  const undeliverable = transport === 'error' || transport === 'retry';
  return { transport, nexthop: undeliverable ? 'Address is undeliverable' : rcptDomain };
}

export class TransportMaps {
  constructor(
    private readonly table: LookupTable,
    private readonly delimiter: string,
    private readonly parentMatches: boolean,
  ) {}

  /** lookup - the route after transport_maps; unchanged when no entry matches. Throws TableLookupError. */
  async lookup(recipient: string, rcptDomain: string, route: Route): Promise<Route> {
    const hit = await lookupKeys(this.table, transportSearchKeys(recipient, this.delimiter, this.parentMatches));
    return hit ? applyTransportEntry(hit.value, rcptDomain, route) : route;
  }
}
