/*
 * tls/protocols - Postfix's TLS protocol lists (`smtp_tls_protocols`,
 * `smtpd_tls_mandatory_protocols`, a policy table's `protocols=`) as the version range
 * Node's TLS takes (minVersion, maxVersion). Forms, as Postfix 3.6+ reads them:
 *   >=TLSv1.2   <=TLSv1.3   >=TLSv1.2 <=TLSv1.3   (bounds)
 *   TLSv1.2, TLSv1.3                               (the versions to use)
 *   !SSLv2, !SSLv3, !TLSv1, !TLSv1.1               (the versions to leave out)
 * SSLv2 and SSLv3 are never used; excluding them changes nothing. A list that leaves a
 * hole (TLSv1, TLSv1.3) takes its outer bounds, as OpenSSL's version range does. Pure.
 */
import type tls from 'node:tls';

export type TlsVersion = tls.SecureVersion;

const ORDER: readonly TlsVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];
const OBSOLETE = new Set(['sslv2', 'sslv3']);

export interface TlsVersionRange {
  minVersion: TlsVersion;
  maxVersion: TlsVersion;
}

function versionIndex(word: string): number {
  return ORDER.findIndex((v) => v.toLowerCase() === word.toLowerCase());
}

/** tlsProtocolRange - the version range of a protocol list; a string is the error. */
export function tlsProtocolRange(text: string): TlsVersionRange | string {
  const words = text.split(/[\s,:]+/).filter(Boolean);
  let lo = 0;
  let hi = ORDER.length - 1;
  const include = new Set<number>();
  const exclude = new Set<number>();
  for (const w of words) {
    const bound = /^(>=|<=)(.+)$/.exec(w);
    const neg = w.startsWith('!');
    const name = bound ? (bound[2] as string) : neg ? w.slice(1) : w;
    if (OBSOLETE.has(name.toLowerCase())) {
      if (!neg && !bound) return `SSL protocol ${name} is not supported`;
      continue;
    }
    const i = versionIndex(name);
    if (i < 0) return `unknown TLS protocol "${name}"`;
    if (bound?.[1] === '>=') lo = Math.max(lo, i);
    else if (bound) hi = Math.min(hi, i);
    else if (neg) exclude.add(i);
    else include.add(i);
  }
  const usable = ORDER.map((_, i) => i).filter((i) => i >= lo && i <= hi && !exclude.has(i) && (include.size === 0 || include.has(i)));
  if (usable.length === 0) return `no TLS protocol left in "${text}"`;
  return { minVersion: ORDER[usable[0] as number] as TlsVersion, maxVersion: ORDER[usable[usable.length - 1] as number] as TlsVersion };
}
