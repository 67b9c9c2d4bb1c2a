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
 * *_connection_reuse_count_limit, *_connection_reuse_time_limit, minimal_backoff_time,
 * *_tls_security_level, *_tls_policy_maps, *_tls_CAfile, *_tls_CApath, *_tls_cert_file,
 * *_tls_key_file, *_tls_verify_cert_match, *_tls_secure_cert_match,
 * *_tls_fingerprint_cert_match, *_tls_fingerprint_digest, *_tls_protocols,
 * *_tls_mandatory_protocols, *_tls_servername, *_tls_loglevel, *_tls_note_starttls_offer,
 * *_tls_connection_reuse, *_sasl_auth_enable, *_sasl_password_maps, *_sasl_mechanism_filter,
 * *_sasl_auth_soft_bounce, *_sasl_security_options, *_sasl_tls_security_options,
 * *_sasl_tls_verified_security_options.
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
  /** Postfix's minimal_backoff_time, seconds (plaintext fallback after a failed TLS handshake). */
  minimalBackoff: number;
  tls: TlsSettings;
  sasl: SaslSettings;
}

/** The TLS security levels Mailroom's client implements, weakest first. */
export const TLS_LEVELS = ['none', 'may', 'encrypt', 'fingerprint', 'verify', 'secure'] as const;
export type TlsLevel = (typeof TLS_LEVELS)[number];

export interface TlsSettings {
  /** The parameter prefix (`smtp_tls_` or `lmtp_tls_`), for messages. */
  prefix: string;
  /** smtp_tls_security_level as written (`dane`, `dane-only` are mapped per destination). */
  level: string;
  policyMaps: string[];
  CAfile: string;
  CApath: string;
  certFile: string;
  keyFile: string;
  verifyMatch: string[];
  secureMatch: string[];
  fingerprintMatch: string[];
  fingerprintDigest: string;
  protocols: string;
  mandatoryProtocols: string;
  servername: string;
  loglevel: number;
  noteOffer: boolean;
  connectionReuse: boolean;
}

export interface SaslSettings {
  prefix: string;
  enabled: boolean;
  passwordMaps: string[];
  /** Upper-case mechanism names; empty: no filter. */
  mechanismFilter: string[];
  softBounce: boolean;
  /** Lower-case option words: without TLS, over TLS, over TLS with a verified certificate. */
  options: string[];
  tlsOptions: string[];
  tlsVerifiedOptions: string[];
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
  const words = (name: string, lower = true): string[] => config.getList(p(name)).map((w) => (lower ? w.toLowerCase() : w));
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
    minimalBackoff: config.getTime('minimal_backoff_time'),
    tls: {
      prefix: p('tls_'),
      level: config.get(p('tls_security_level')).trim().toLowerCase() || 'none',
      policyMaps: config.getList(p('tls_policy_maps')),
      CAfile: config.get(p('tls_CAfile')).trim(),
      CApath: config.get(p('tls_CApath')).trim(),
      certFile: config.get(p('tls_cert_file')).trim(),
      keyFile: config.get(p('tls_key_file')).trim(),
      verifyMatch: words('tls_verify_cert_match'),
      secureMatch: words('tls_secure_cert_match'),
      fingerprintMatch: words('tls_fingerprint_cert_match'),
      fingerprintDigest: config.get(p('tls_fingerprint_digest')).trim().toLowerCase(),
      protocols: config.get(p('tls_protocols')),
      mandatoryProtocols: config.get(p('tls_mandatory_protocols')),
      servername: config.get(p('tls_servername')).trim(),
      loglevel: config.getInt(p('tls_loglevel')),
      noteOffer: config.getBool(p('tls_note_starttls_offer')),
      connectionReuse: config.getBool(p('tls_connection_reuse')),
    },
    sasl: {
      prefix: p('sasl_'),
      enabled: config.getBool(p('sasl_auth_enable')),
      passwordMaps: config.getList(p('sasl_password_maps')),
      mechanismFilter: words('sasl_mechanism_filter').map((m) => m.toUpperCase()),
      softBounce: config.getBool(p('sasl_auth_soft_bounce')),
      options: words('sasl_security_options'),
      tlsOptions: words('sasl_tls_security_options'),
      tlsVerifiedOptions: words('sasl_tls_verified_security_options'),
    },
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
