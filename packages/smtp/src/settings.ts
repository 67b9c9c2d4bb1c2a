/*
 * settings - the client's parameters, read once per process from the configuration
 * snapshot. The LMTP client reads the `lmtp_` twins of the `smtp_` parameters, as
 * Postfix's does (lmtp_lhlo_name, lmtp_lhlo_timeout and lmtp_tcp_port have no smtp_
 * twin). Reads: myhostname, inet_protocols, {smtp,lmtp}_connect_timeout,
 * smtp_helo_timeout, lmtp_lhlo_timeout, smtp_helo_name, lmtp_lhlo_name, lmtp_tcp_port,
 * *_mail_timeout, *_rcpt_timeout, *_data_init_timeout, *_data_xfer_timeout,
 * *_data_done_timeout, *_rset_timeout, *_starttls_timeout,
 * *_mx_address_limit, *_mx_session_limit, *_skip_5xx_greeting, *_dns_support_level,
 * *_host_lookup, *_address_preference, *_connection_cache_on_demand,
 * *_connection_cache_destinations, *_connection_cache_time_limit,
 * *_connection_reuse_count_limit, *_connection_reuse_time_limit, *_tls_security_level.
 */
import type { Config } from '@mailroom/global';

export type Protocol = 'smtp' | 'lmtp';

export interface Timeouts {
  connect: number;
  helo: number;
  mail: number;
  rcpt: number;
  dataInit: number;
  dataXfer: number;
  dataDone: number;
  rset: number;
  starttls: number;
}

export interface ClientSettings {
  proto: Protocol;
  lmtp: boolean;
  /** `SMTP` or `LMTP`, for log texts. */
  protoName: string;
  myhostname: string;
  heloName: string;
  defaultPort: number;
  /** Seconds; 0 means no limit of ours. */
  timeouts: Timeouts;
  mxAddressLimit: number;
  mxSessionLimit: number;
  skip5xxGreeting: boolean;
  /** smtp_dns_support_level != disabled. */
  dnsEnabled: boolean;
  hostLookup: ('dns' | 'native')[];
  /** Address families from inet_protocols, in preference order. */
  families: (4 | 6)[];
  /** smtp_address_preference = any: mix the families of a host in random order. */
  anyFamilyOrder: boolean;
  cacheOnDemand: boolean;
  cacheDestinations: ReadonlySet<string>;
  cacheTimeLimit: number;
  reuseCountLimit: number;
  reuseTimeLimit: number;
  /** TLS level; `unsupported` (encrypt, verify... not built yet): defer the mail rather than send it in clear. */
  tls: 'none' | 'may' | 'unsupported';
  /** The level as configured, for the warning. */
  tlsLevelName: string;
}

/** loadSettings - the client settings of `proto` from a configuration snapshot. */
export function loadSettings(config: Config, proto: Protocol): ClientSettings {
  const p = (suffix: string): string => `${proto}_${suffix}`;
  const lmtp = proto === 'lmtp';
  const protocols = config.getList('inet_protocols').map((x) => x.toLowerCase());
  const all = protocols.includes('all') || protocols.length === 0;
  let families: (4 | 6)[] = [];
  if (all || protocols.includes('ipv4')) families.push(4);
  if (all || protocols.includes('ipv6')) families.push(6);
  const pref = config.get(p('address_preference')).toLowerCase();
  if (pref === 'ipv6') families = families.reverse();
  const lookup = config.getList(p('host_lookup')).map((x) => x.toLowerCase()).filter((x): x is 'dns' | 'native' => x === 'dns' || x === 'native');
  const dnsEnabled = config.get(p('dns_support_level')).toLowerCase() !== 'disabled';
  const level = config.get(p('tls_security_level')).toLowerCase();
  return {
    proto,
    lmtp,
    protoName: lmtp ? 'LMTP' : 'SMTP',
    myhostname: config.get('myhostname'),
    heloName: config.get(lmtp ? 'lmtp_lhlo_name' : 'smtp_helo_name') || config.get('myhostname'),
    defaultPort: lmtp ? servicePort(config.get('lmtp_tcp_port'), 24) : 25,
    timeouts: {
      connect: config.getTime(p('connect_timeout')),
      helo: config.getTime(lmtp ? 'lmtp_lhlo_timeout' : 'smtp_helo_timeout'),
      mail: config.getTime(p('mail_timeout')),
      rcpt: config.getTime(p('rcpt_timeout')),
      dataInit: config.getTime(p('data_init_timeout')),
      dataXfer: config.getTime(p('data_xfer_timeout')),
      dataDone: config.getTime(p('data_done_timeout')),
      rset: config.getTime(p('rset_timeout')),
      starttls: config.getTime(p('starttls_timeout')),
    },
    mxAddressLimit: config.getInt(p('mx_address_limit')),
    mxSessionLimit: config.getInt(p('mx_session_limit')),
    skip5xxGreeting: config.getBool(p('skip_5xx_greeting')),
    dnsEnabled,
    hostLookup: dnsEnabled ? (lookup.length > 0 ? lookup : ['dns']) : ['native'],
    families: families.length > 0 ? families : [4],
    anyFamilyOrder: pref === 'any',
    cacheOnDemand: config.getBool(p('connection_cache_on_demand')),
    cacheDestinations: new Set(config.getList(p('connection_cache_destinations')).map((d) => d.toLowerCase())),
    cacheTimeLimit: config.getTime(p('connection_cache_time_limit')),
    reuseCountLimit: config.getInt(p('connection_reuse_count_limit')),
    reuseTimeLimit: config.getTime(p('connection_reuse_time_limit')),
    tls: level === 'may' ? 'may' : level === '' || level === 'none' ? 'none' : 'unsupported',
    tlsLevelName: level,
  };
}

/** Well-known ports, for `host:smtp` style next hops (Node has no getservbyname). */
const SERVICES: Record<string, number> = { smtp: 25, lmtp: 24, submission: 587, smtps: 465, submissions: 465 };

/** servicePort - a port number or a well-known service name; `fallback` when neither. */
export function servicePort(text: string, fallback: number): number {
  const t = text.trim().toLowerCase();
  if (/^\d+$/.test(t)) {
    const n = Number(t);
    return n > 0 && n < 65536 ? n : fallback;
  }
  return SERVICES[t] ?? fallback;
}
