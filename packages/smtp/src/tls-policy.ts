/*
 * tls-policy - the TLS policy of one destination, as Postfix's smtp_tls_policy.c
 * computes it: the global smtp_tls_security_level, overridden by smtp_tls_policy_maps.
 * Lookup keys: the destination as written (`[mx.example]:587`, `[mx.example]`,
 * `example.com:2525`: one lookup, exact), or a domain (`example.com`, then `.com`-style
 * parent keys `.example.com`). A value is a level and attributes: `match=a:b` (verify,
 * secure; `|` between fingerprints), `protocols=`, `servername=`, `connection_reuse=`.
 * `dane` becomes `may` (no DNSSEC validation here, as Postfix does without DNSSEC);
 * `dane-only`, unknown levels or attributes, and table errors make the policy invalid:
 * the mail defers with 4.7.5 `client TLS configuration problem` (Postfix's words).
 * Used by deliver.ts and handshake.ts.
 */
import { tlsProtocolRange, TableLookupError, type Logger, type LookupTable, type TlsVersionRange } from '@mailroom/global';
import type { Destination } from './nexthop.js';
import { TLS_LEVELS, type TlsLevel, type TlsSettings } from './settings.js';
import type { Outcome } from './status.js';

export interface TlsPolicy {
  level: TlsLevel;
  /** Certificate name patterns (verify, secure) or fingerprints (fingerprint). */
  match: string[];
  protocols: TlsVersionRange;
  /** SNI: empty (none), `hostname`, `nexthop`, or a name. */
  servername: string;
  connectionReuse: boolean;
  /** Everything above in one string: a cached connection is reused only under the same policy. */
  signature: string;
}

export type PolicyResult = { ok: true; policy: TlsPolicy } | { ok: false; outcome: Outcome };

const INVALID: Outcome = { status: 'deferred', dsn: '4.7.5', reason: 'client TLS configuration problem' };

/** levelOf - a level word as Mailroom applies it; undefined when unknown or not possible here. */
function levelOf(word: string): TlsLevel | 'dane' | undefined {
  const w = word.toLowerCase();
  if (w === 'dane') return 'dane';
  return (TLS_LEVELS as readonly string[]).includes(w) ? (w as TlsLevel) : undefined;
}

/** tokens - a policy value split at commas and spaces, `{ name = value }` kept whole. */
function tokens(value: string): string[] | string {
  const out: string[] = [];
  let i = 0;
  while (i < value.length) {
    const c = value[i] as string;
    if (/[\s,]/.test(c)) {
      i++;
    } else if (c === '{') {
      const end = value.indexOf('}', i);
      if (end < 0) return 'missing "}"';
      out.push(value.slice(i + 1, end).trim().replace(/\s+/g, ' ').replace(/\s*=\s*/, '='));
      i = end + 1;
    } else {
      const m = /^[^\s,]+/.exec(value.slice(i)) as RegExpExecArray;
      out.push(m[0]);
      i += m[0].length;
    }
  }
  return out;
}

export class TlsPolicies {
  private readonly global: TlsLevel | 'dane' | 'dane-only';

  constructor(private readonly s: TlsSettings, private readonly table: LookupTable | undefined, private readonly log: Logger) {
    const g = s.level === 'dane-only' ? 'dane-only' : levelOf(s.level);
    if (!g) throw new Error(`invalid tls security level: "${s.level}"`);
    if (!['md5', 'sha1', 'sha224', 'sha256', 'sha384', 'sha512'].includes(s.fingerprintDigest)) {
      throw new Error(`invalid ${s.prefix}fingerprint_digest: "${s.fingerprintDigest}"`);
    }
    if (g === 'dane') log.warn(`${s.prefix}security_level = dane configured, but DNSSEC validation is not available: using may`);
    this.global = g;
  }

  /** lookup - the policy for one destination of the next hop. */
  async lookup(dest: Destination, log: Logger = this.log): Promise<PolicyResult> {
    let level: TlsLevel | 'dane' | 'dane-only' = this.global;
    const attrs: string[] = [];
    if (this.table) {
      let found: { key: string; value: string } | undefined;
      try {
        found = await this.find(dest);
      } catch (err) {
        if (!(err instanceof TableLookupError)) throw err;
        log.warn(`${this.title()}, next-hop destination "${dest.text}": policy table lookup error`);
        return { ok: false, outcome: INVALID };
      }
      if (found) {
        const where = `${this.title()}, next-hop destination "${found.key}"`;
        const words = tokens(found.value);
        if (typeof words === 'string' || words.length === 0) {
          log.warn(`${where}: ${typeof words === 'string' ? `malformed policy: ${words}` : 'invalid empty policy'}`);
          return { ok: false, outcome: INVALID };
        }
        const l = levelOf(words[0] as string);
        if (!l) {
          const w = words[0] as string;
          log.warn(w.toLowerCase() === 'dane-only'
            ? `${where}: dane-only configured, but DNSSEC validation is not available`
            : `${where}: invalid security level "${w}"`);
          return { ok: false, outcome: INVALID };
        }
        level = l;
        attrs.push(...words.slice(1));
        if (level === 'none') {
          for (const a of attrs) log.warn(`${where}: ignoring attribute "${a}" with TLS disabled`);
          attrs.length = 0;
        }
      }
    }
    if (level === 'dane-only') {
      log.warn(`${dest.text}: dane-only configured, but DNSSEC validation is not available`);
      return { ok: false, outcome: INVALID };
    }
    if (level === 'dane') {
      log.debug(`${dest.text}: dane configured without DNSSEC validation: using level may`);
      level = 'may';
    }
    return this.build(level, attrs, dest, log);
  }

  private title(): string {
    return `${this.s.prefix}policy_maps`;
  }

  /** find - the table entry for a destination: exact key, or a domain and its parents. */
  private async find(dest: Destination): Promise<{ key: string; value: string } | undefined> {
    const key = dest.text.toLowerCase();
    const domain = dest.kind === 'inet' && dest.mx && key === dest.host;
    const v = await this.table!.get(key);
    if (v !== undefined || !domain) return v === undefined ? undefined : { key, value: v };
    for (let i = key.indexOf('.', 1); i >= 0; i = key.indexOf('.', i + 1)) {
      const parent = key.slice(i);
      const pv = await this.table!.get(parent, { partial: true });
      if (pv !== undefined) return { key: parent, value: pv };
    }
    return undefined;
  }

  private build(level: TlsLevel, attrs: string[], dest: Destination, log: Logger): PolicyResult {
    const where = `${this.title()}, next-hop destination "${dest.text}"`;
    const s = this.s;
    let match: string[] | undefined;
    let protocols: string | undefined;
    let servername: string | undefined;
    let reuse = s.connectionReuse;
    for (const a of attrs) {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq).toLowerCase() : '';
      const value = eq > 0 ? a.slice(eq + 1) : '';
      if (!name) {
        log.warn(`${where}: malformed attribute/value pair "${a}"`);
        return { ok: false, outcome: INVALID };
      }
      if (name === 'match' && value && ['verify', 'secure', 'fingerprint'].includes(level)) {
        match = [...(match ?? []), ...value.split(level === 'fingerprint' ? '|' : ':').filter(Boolean)];
      } else if (name === 'protocols' && protocols === undefined) {
        protocols = value;
      } else if (name === 'servername' && servername === undefined && /^[a-z0-9.-]+$/i.test(value)) {
        servername = value;
      } else if (name === 'connection_reuse' && /^(yes|no)$/i.test(value)) {
        reuse = value.toLowerCase() === 'yes';
      } else {
        log.warn(`${where}: invalid or unsupported attribute "${a}" at security level "${level}"`);
        return { ok: false, outcome: INVALID };
      }
    }
    const protoText = protocols ?? (level === 'may' ? s.protocols : s.mandatoryProtocols);
    const range = tlsProtocolRange(protoText);
    if (typeof range === 'string') {
      log.warn(`${where}: invalid TLS protocol list "${protoText}": ${range}`);
      return { ok: false, outcome: INVALID };
    }
    if (!match) match = level === 'verify' ? s.verifyMatch : level === 'secure' ? s.secureMatch : level === 'fingerprint' ? s.fingerprintMatch : [];
    if (level === 'fingerprint' && match.length === 0) {
      log.warn(`nexthop domain ${dest.text}: configured at fingerprint security level, but with no fingerprints to match.`);
      return { ok: false, outcome: INVALID };
    }
    const sni = servername ?? s.servername;
    const policy: TlsPolicy = {
      level, match, protocols: range, servername: sni, connectionReuse: reuse,
      signature: [level, match.join(':'), range.minVersion, range.maxVersion, sni, reuse].join('|'),
    };
    return { ok: true, policy };
  }
}

/** mustEncrypt - the level refuses to send in clear. */
export function mustEncrypt(level: TlsLevel): boolean {
  return level !== 'none' && level !== 'may';
}

/** mustMatch - the level refuses a server certificate that was not verified or matched. */
export function mustMatch(level: TlsLevel): boolean {
  return level === 'fingerprint' || level === 'verify' || level === 'secure';
}
