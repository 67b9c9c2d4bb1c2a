/*
 * tls - smtpd's server-side TLS, as Postfix's smtpd_tls_* parameters describe it:
 *   smtpd_tls_security_level   none/empty (no STARTTLS), may (offer it), encrypt (require it)
 *   smtpd_tls_chain_files      key + chain PEM files (preferred), else
 *   smtpd_tls_cert_file / smtpd_tls_key_file
 *   smtpd_tls_protocols / smtpd_tls_mandatory_protocols   (global's tlsProtocolRange)
 *   smtpd_tls_ciphers / smtpd_tls_mandatory_ciphers and the exclude lists (TLS 1.2 and older)
 *   smtpd_tls_wrappermode      implicit TLS (port 465)
 * The key and certificates are read once, at process start (before privileges are
 * dropped, so they may be readable by root only); a problem is logged and TLS is then
 * not offered (Postfix's behaviour at `may`; at `encrypt` mail is refused with 4xx).
 * Used by settings.ts (parsing), services.ts (loading) and server.ts (socket options).
 */
import fs from 'node:fs';
import type tls from 'node:tls';
import { tlsProtocolRange, type Config } from '@mailroom/global';

export type TlsLevel = 'none' | 'may' | 'encrypt';

export interface TlsSettings {
  level: TlsLevel;
  certFile: string;
  keyFile: string;
  chainFiles: string[];
  minVersion: tls.SecureVersion;
  maxVersion: tls.SecureVersion;
  ciphers: string;
  receivedHeader: boolean;
  loglevel: number;
  wrappermode: boolean;
  authOnly: boolean;
}

/** Postfix's cipher grades as OpenSSL cipher lists (TLS 1.3 suites are not affected). */
const GRADES: Record<string, string> = {
  high: 'HIGH:!aNULL:@STRENGTH',
  medium: 'HIGH:MEDIUM:!aNULL:@STRENGTH',
  low: 'HIGH:MEDIUM:!aNULL:@STRENGTH',
  export: 'HIGH:MEDIUM:!aNULL:@STRENGTH',
  null: 'eNULL:!aNULL',
};

/** cipherList - the OpenSSL list for a grade and exclusions; undefined for an unknown grade. */
export function cipherList(grade: string, exclude: readonly string[]): string | undefined {
  const base = GRADES[grade.trim().toLowerCase()];
  if (!base) return undefined;
  return [base, ...exclude.map((e) => `!${e}`)].join(':');
}

/** readTlsSettings - the TLS parameters; problems are pushed onto `warnings`. */
export function readTlsSettings(config: Config, warnings: string[]): TlsSettings {
  let level = config.get('smtpd_tls_security_level').trim().toLowerCase();
  if (level === '') level = 'none';
  if (level !== 'none' && level !== 'may' && level !== 'encrypt') {
    warnings.push(`invalid smtpd_tls_security_level value "${level}": using "none"`);
    level = 'none';
  }
  const wrappermode = config.getBool('smtpd_tls_wrappermode');
  const mandatory = level === 'encrypt';
  const protoParam = mandatory ? 'smtpd_tls_mandatory_protocols' : 'smtpd_tls_protocols';
  let proto = tlsProtocolRange(config.getList(protoParam).join(' '));
  if (typeof proto === 'string') {
    warnings.push(`${protoParam}: ${proto}: using ">=TLSv1.2"`);
    proto = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' };
  }
  const gradeParam = mandatory ? 'smtpd_tls_mandatory_ciphers' : 'smtpd_tls_ciphers';
  const exclude = [...config.getList('smtpd_tls_exclude_ciphers'), ...(mandatory ? config.getList('smtpd_tls_mandatory_exclude_ciphers') : [])];
  let ciphers = cipherList(config.get(gradeParam), exclude);
  if (!ciphers) {
    warnings.push(`invalid ${gradeParam} value "${config.get(gradeParam)}": using "medium"`);
    ciphers = cipherList('medium', exclude) as string;
  }
  return {
    level: level as TlsLevel,
    certFile: config.get('smtpd_tls_cert_file'),
    keyFile: config.get('smtpd_tls_key_file'),
    chainFiles: config.getList('smtpd_tls_chain_files'),
    minVersion: proto.minVersion,
    maxVersion: proto.maxVersion,
    ciphers,
    receivedHeader: config.getBool('smtpd_tls_received_header'),
    loglevel: config.getInt('smtpd_tls_loglevel'),
    wrappermode,
    // Postfix: the encrypt level implies smtpd_tls_auth_only.
    authOnly: config.getBool('smtpd_tls_auth_only') || level === 'encrypt',
  };
}

/** What a PEM file holds: private keys and certificates, each a PEM block. */
function pemBlocks(text: string): { keys: string[]; certs: string[] } {
  const keys: string[] = [];
  const certs: string[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----/g)) {
    if (/PRIVATE KEY/.test(m[1] as string)) keys.push(m[0]);
    else if (m[1] === 'CERTIFICATE') certs.push(m[0]);
  }
  return { keys, certs };
}

/** The key material for tls.createSecureContext. */
export interface TlsMaterial {
  key: string[];
  cert: string[];
}

/**
 * loadTlsMaterial - read the key and certificate files; undefined (and `why`) when TLS
 * cannot be offered. Checks the pair with `check` (tls.createSecureContext).
 */
export function loadTlsMaterial(s: TlsSettings, check: (m: TlsMaterial) => void): { material?: TlsMaterial; why?: string } {
  const material: TlsMaterial = { key: [], cert: [] };
  try {
    if (s.chainFiles.length > 0) {
      for (const f of s.chainFiles) {
        const { keys, certs } = pemBlocks(fs.readFileSync(f, 'utf8'));
        if (keys.length !== 1 || certs.length === 0) return { why: `${f}: expected one private key followed by its certificate chain` };
        material.key.push(keys[0] as string);
        material.cert.push(certs.join('\n'));
      }
    } else {
      if (!s.certFile) return { why: 'no server certificate: set smtpd_tls_chain_files or smtpd_tls_cert_file' };
      const certs = pemBlocks(fs.readFileSync(s.certFile, 'utf8')).certs;
      if (certs.length === 0) return { why: `${s.certFile}: no certificate found` };
      const keys = pemBlocks(fs.readFileSync(s.keyFile || s.certFile, 'utf8')).keys;
      if (keys.length === 0) return { why: `${s.keyFile || s.certFile}: no private key found` };
      material.key.push(keys[0] as string);
      material.cert.push(certs.join('\n'));
    }
    check(material);
  } catch (err) {
    return { why: (err as Error).message };
  }
  return { material };
}

/** cipherBits - the symmetric key size of an OpenSSL cipher name (Postfix's "256/256 bits"). */
export function cipherBits(name: string): number {
  const n = name.toUpperCase();
  if (/CHACHA20|AES_?256|CAMELLIA_?256|ARIA_?256/.test(n)) return 256;
  if (/AES_?128|CAMELLIA_?128|ARIA_?128|SEED/.test(n)) return 128;
  if (/3DES|DES-CBC3/.test(n)) return 168;
  return 0;
}

/** tlsSummary - `TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)`. */
export function tlsSummary(sock: tls.TLSSocket): string {
  const cipher = sock.getCipher()?.name ?? 'unknown';
  const bits = cipherBits(cipher);
  return `${sock.getProtocol() ?? 'unknown'} with cipher ${cipher} (${bits}/${bits} bits)`;
}
