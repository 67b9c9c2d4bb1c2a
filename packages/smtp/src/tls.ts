/*
 * tls - the client side of STARTTLS: the files loaded once per process (smtp_tls_CAfile,
 * smtp_tls_CApath, smtp_tls_cert_file/key_file), the handshake options of a policy
 * (versions, SNI), and the verdict on the server certificate as Postfix's tls_client.c
 * gives it:
 *   - trusted: the chain leads to a CA of CAfile/CApath (no system CAs, as Postfix's
 *     tls_append_default_CA = no);
 *   - matched: at verify/secure, a DNS subjectAltName (else the CommonName) matches a
 *     pattern of the policy (hostname, nexthop, dot-nexthop, name, .domain; `*.` covers
 *     one label); at fingerprint, the certificate's or public key's digest is listed.
 * The summary line reads `Verified|Trusted|Untrusted|Anonymous TLS connection
 * established to host[addr]:port: TLSv1.3 with cipher ... (256/256 bits)`.
 * Used by handshake.ts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type tls from 'node:tls';
import type { Logger } from '@mailroom/global';
import type { Destination } from './nexthop.js';
import { relayName, type Endpoint } from './session.js';
import type { TlsSettings } from './settings.js';
import type { TlsPolicy } from './tls-policy.js';

/** What every TLS session of this process uses; `error` when the files could not be read. */
export interface TlsFiles {
  ca?: string[];
  cert?: string;
  key?: string;
  error?: string;
}

/** loadTlsFiles - read CAfile, CApath and the client certificate once. */
export function loadTlsFiles(s: TlsSettings): TlsFiles {
  try {
    const ca: string[] = [];
    if (s.CAfile) ca.push(fs.readFileSync(s.CAfile, 'utf8'));
    if (s.CApath) {
      for (const f of fs.readdirSync(s.CApath).sort()) {
        const file = path.join(s.CApath, f);
        if (!fs.statSync(file).isFile()) continue;
        const text = fs.readFileSync(file, 'utf8');
        if (text.includes('-----BEGIN CERTIFICATE-----')) ca.push(text);
      }
    }
    const files: TlsFiles = ca.length > 0 ? { ca } : {};
    if (s.certFile) {
      files.cert = fs.readFileSync(s.certFile, 'utf8');
      files.key = fs.readFileSync(s.keyFile || s.certFile, 'utf8');
    }
    return files;
  } catch (err) {
    return { error: (err as Error).message };
  }
}

/** tlsOptions - the handshake options of a policy. */
export function tlsOptions(files: TlsFiles, policy: TlsPolicy, ep: Endpoint, dest: Destination): tls.ConnectionOptions {
  const sni = policy.servername === 'hostname' ? ep.host : policy.servername === 'nexthop' && dest.kind === 'inet' ? dest.host : policy.servername;
  return {
    ca: files.ca, cert: files.cert, key: files.key,
    minVersion: policy.protocols.minVersion, maxVersion: policy.protocols.maxVersion,
    servername: sni && !/^[\d.]+$|:/.test(sni) ? sni : undefined,
  };
}

export interface TlsVerdict {
  present: boolean;
  trusted: boolean;
  matched: boolean;
  /** The summary line (without the leading status word's context). */
  summary: string;
}

/** peerNames - the DNS subjectAltNames of a certificate, else its CommonName. */
export function peerNames(cert: tls.PeerCertificate): string[] {
  const alt = (cert.subjectaltname ?? '').split(/,\s*/).filter((n) => n.startsWith('DNS:')).map((n) => n.slice(4).toLowerCase());
  if (alt.length > 0) return alt;
  const cn = cert.subject?.CN;
  return cn ? [String(cn).toLowerCase()] : [];
}

/** nameMatches - Postfix's match_hostname: one certificate name against one pattern. */
export function nameMatches(peer: string, pattern: string, sub: boolean): boolean {
  const id = peer.toLowerCase();
  const pat = pattern.toLowerCase().replace(/\.$/, '');
  if (!pat) return false;
  if (sub) return id.length > pat.length + 1 && id.endsWith(`.${pat}`);
  if (id === pat) return true;
  const dot = pat.indexOf('.');
  return id.startsWith('*.') && id.length > 2 && dot >= 0 && pat.slice(dot + 1) === id.slice(2);
}

/** namesMatch - a certificate name matches one of the policy's patterns. */
export function namesMatch(names: readonly string[], patterns: readonly string[], host: string, nexthop: string): boolean {
  for (const p of patterns) {
    const w = p.toLowerCase();
    const [pattern, sub] = w === 'hostname' ? [host, false] : w === 'nexthop' ? [nexthop, false]
      : w === 'dot-nexthop' ? [nexthop, true] : w.startsWith('.') && w.length > 1 ? [w.slice(1), true] : [w, false];
    if (names.some((n) => nameMatches(n, pattern, sub))) return true;
  }
  return false;
}

/** fingerprint - colon-separated upper-case hex digest, as Postfix prints them. */
function fingerprint(data: Buffer, alg: string): string {
  return crypto.createHash(alg).update(data).digest('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

const normalizeFp = (f: string): string => f.toUpperCase().replace(/[^0-9A-F]/g, '');

/** cipherBits - the symmetric key size of an OpenSSL cipher name. */
function cipherBits(name: string): number {
  if (/AES_?256|CHACHA20|CAMELLIA256|ARIA256/i.test(name)) return 256;
  if (/AES_?128|CAMELLIA128|ARIA128/i.test(name)) return 128;
  if (/3DES|DES-CBC3/i.test(name)) return 168;
  return 0;
}

/** issuerText - `/C=../O=../CN=..` of a certificate's issuer, as X509_NAME_oneline. */
function issuerText(cert: tls.PeerCertificate): string {
  return Object.entries(cert.issuer ?? {}).map(([k, v]) => `/${k}=${String(v)}`).join('');
}

/** judge - the verdict on a finished handshake, and its log lines. */
export function judge(sock: tls.TLSSocket, policy: TlsPolicy, files: TlsFiles, ep: Endpoint, dest: Destination, s: TlsSettings, log: Logger): TlsVerdict {
  const where = relayName(ep);
  const cert = sock.getPeerCertificate(false);
  const present = !!cert && Object.keys(cert).length > 0;
  const trusted = present && files.ca !== undefined && sock.authorized;
  let matched = false;
  const names = present ? peerNames(cert) : [];
  if (present && policy.level === 'fingerprint') {
    const alg = s.fingerprintDigest;
    const wanted = new Set(policy.match.map(normalizeFp));
    matched = wanted.has(normalizeFp(fingerprint(cert.raw, alg))) || (cert.pubkey !== undefined && wanted.has(normalizeFp(fingerprint(cert.pubkey, alg))));
  } else if (trusted && (policy.level === 'verify' || policy.level === 'secure')) {
    matched = namesMatch(names, policy.match, ep.host, dest.kind === 'inet' ? dest.host : '');
  }
  const verifying = policy.level === 'verify' || policy.level === 'secure';
  if (present && !trusted && (s.loglevel >= 1 || verifying)) {
    const code = files.ca === undefined ? 'NO_CA' : String(sock.authorizationError ?? '');
    const why: Record<string, string> = {
      NO_CA: 'not trusted by local or TLSA policy',
      DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
      UNABLE_TO_GET_ISSUER_CERT_LOCALLY: `untrusted issuer ${issuerText(cert)}`,
      UNABLE_TO_GET_ISSUER_CERT: `untrusted issuer ${issuerText(cert)}`,
      SELF_SIGNED_CERT_IN_CHAIN: `untrusted issuer ${issuerText(cert)}`,
      UNABLE_TO_VERIFY_LEAF_SIGNATURE: `untrusted issuer ${issuerText(cert)}`,
    };
    const expiry: Record<string, string> = { CERT_HAS_EXPIRED: 'certificate has expired', CERT_NOT_YET_VALID: 'certificate not yet valid' };
    log.info(why[code] ? `certificate verification failed for ${where}: ${why[code]}`
      : `server certificate verification failed for ${where}: ${expiry[code] ?? code}`);
  }
  if (present && trusted && verifying && !matched && (s.loglevel >= 1 || verifying)) {
    log.info(`${where}: server certificate name mismatch: ${names.join(', ') || '(none)'} does not match ${policy.match.join(', ')}`);
  }
  if (present && s.loglevel >= 2) {
    log.info(`${where}: subject_CN=${String(cert.subject?.CN ?? '')}, issuer_CN=${String(cert.issuer?.CN ?? '')}, fingerprint=${fingerprint(cert.raw, 'sha256')}`);
  }
  const status = !present ? 'Anonymous' : matched && (trusted || policy.level === 'fingerprint') ? 'Verified' : trusted ? 'Trusted' : 'Untrusted';
  const c = sock.getCipher();
  const bits = cipherBits(c.name);
  let summary = `${status} TLS connection established to ${where}: ${sock.getProtocol() ?? 'TLS'} with cipher ${c.name} (${bits}/${bits} bits)`;
  const kex = sock.getEphemeralKeyInfo();
  if (kex && 'name' in kex && kex.name) summary += ` key-exchange ${kex.name}`;
  if (present && cert.bits) summary += ` server-signature ${cert.asn1Curve ? 'ECDSA' : 'RSA'} (${cert.bits} bits)`;
  if (s.loglevel >= 1) log.info(summary);
  return { present, trusted, matched, summary };
}
