/*
 * origin - whose message headers cleanup rewrites and completes: Postfix's
 * local_header_rewrite_clients (permit_inet_interfaces, permit_mynetworks,
 * permit_sasl_authenticated, check_address_map type:table) and the rewrite_context
 * attribute local submissions carry (`sendmail -G` asks for remote). A remote client's
 * headers get the `remote` context only when remote_header_rewrite_domain is set.
 * Reads: local_header_rewrite_clients, inet_interfaces, proxy_interfaces, mynetworks.
 * Used by session.ts.
 */
import net from 'node:net';
import os from 'node:os';
import { CLEANUP_FLAG, tableCache, type CleanupBegin, type Config, type Logger, type RewriteRule, type TableLog } from '@mailroom/global';

/** Decides the header rewriting context of one message; undefined: no header rewriting. */
export type ContextDecider = (begin: CleanupBegin) => Promise<RewriteRule | undefined>;

/** bareAddress - `[::1]` / `::ffff:1.2.3.4` to the plain form net.BlockList takes. */
function bareAddress(a: string): string {
  const s = a.replace(/^\[|\]$/g, '');
  return /^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(s) ? s.slice(7) : s;
}

/** interfaceAddresses - what inet_interfaces (and proxy_interfaces) mean as addresses. */
function interfaceAddresses(config: Config): Set<string> {
  const out = new Set<string>();
  const list = config.getList('inet_interfaces').map((x) => x.toLowerCase());
  const all = list.includes('all');
  if (all || list.includes('loopback-only')) for (const a of ['127.0.0.1', '::1']) out.add(a);
  if (all) for (const ifs of Object.values(os.networkInterfaces())) for (const i of ifs ?? []) out.add(bareAddress(i.address));
  for (const x of [...list, ...config.getList('proxy_interfaces')]) if (net.isIP(bareAddress(x))) out.add(bareAddress(x));
  return out;
}

/** networks - mynetworks as a BlockList (host names and tables in it are skipped). */
function networks(config: Config, log: Logger): net.BlockList {
  const bl = new net.BlockList();
  for (const entry of config.getList('mynetworks')) {
    const m = /^\[?([^\]/]+)\]?(?:\/(\d+))?$/.exec(entry);
    const addr = m ? bareAddress(m[1] as string) : '';
    const family = net.isIP(addr);
    if (!family) continue;
    try {
      bl.addSubnet(addr, m?.[2] ? Number(m[2]) : family === 4 ? 32 : 128, family === 4 ? 'ipv4' : 'ipv6');
    } catch (err) {
      log.warn(`mynetworks: bad entry "${entry}": ${(err as Error).message}`);
    }
  }
  return bl;
}

/** contextDecider - build the decision for this process's configuration. */
export function contextDecider(config: Config, log: Logger, tableLog: TableLog): ContextDecider {
  const remote: RewriteRule | undefined = config.get('remote_header_rewrite_domain') ? 'remote' : undefined;
  const tests: ((a: Record<string, string>) => Promise<boolean> | boolean)[] = [];
  const words = config.getList('local_header_rewrite_clients');
  for (let i = 0; i < words.length; i++) {
    const w = (words[i] as string).toLowerCase();
    if (w === 'permit_inet_interfaces') {
      const ifs = interfaceAddresses(config);
      tests.push((a) => ifs.has(bareAddress(a.client_address ?? '')));
    } else if (w === 'permit_mynetworks') {
      const bl = networks(config, log);
      tests.push((a) => {
        const addr = bareAddress(a.client_address ?? '');
        const fam = net.isIP(addr);
        return fam !== 0 && bl.check(addr, fam === 4 ? 'ipv4' : 'ipv6');
      });
    } else if (w === 'permit_sasl_authenticated') {
      tests.push((a) => Boolean(a.sasl_username));
    } else if (w === 'check_address_map' && words[i + 1]) {
      const table = tableCache.open(words[++i] as string, { log: tableLog });
      // As Postfix: the whole client address only, no subnet lookups; the result is ignored.
      tests.push(async (a) => (await table.get(bareAddress(a.client_address ?? ''))) !== undefined);
    } else {
      log.warn(`local_header_rewrite_clients: unknown restriction "${w}" ignored`);
    }
  }
  return async (begin) => {
    const a = begin.attributes;
    if (a.rewrite_context === 'local') return 'local';
    if (a.rewrite_context === 'remote') return remote;
    if (!a.client_address || begin.flags & CLEANUP_FLAG.LOCAL_SUBMISSION) return 'local';
    for (const t of tests) if (await t(a)) return 'local';
    return remote;
  };
}
