/*
 * sasl/index - smtpd's SASL service: the backend chosen by smtpd_sasl_type, and the
 * mechanisms to announce, filtered by smtpd_sasl_security_options (no TLS) or
 * smtpd_sasl_tls_security_options (TLS):
 *   noanonymous     no ANONYMOUS            noplaintext   no PLAIN/LOGIN
 *   nodictionary    no dictionary-attackable mechanisms   noactive  no active-attackable
 *   mutual_auth     mutual authentication only
 * Only PLAIN and LOGIN are implemented by the SMTP engine; others a backend offers are
 * not announced. Used by services.ts. Reads (through SaslSettings): smtpd_sasl_type,
 * smtpd_sasl_path, smtpd_sasl_service, the two security option lists, ipc_timeout.
 */
import path from 'node:path';
import { DovecotAuthClient } from './dovecot.js';
import { PasswdFileBackend } from './passwd-file.js';
import type { Mechanism, SaslBackend } from './types.js';

export type { AuthRequest, AuthResult, Mechanism, SaslBackend } from './types.js';

export interface SaslSettings {
  enabled: boolean;
  type: string;
  path: string;
  service: string;
  securityOptions: string[];
  tlsSecurityOptions: string[];
  brokenClients: boolean;
  timeoutMs: number;
}

/** Mechanisms the SMTP engine can run. */
const IMPLEMENTED = ['PLAIN', 'LOGIN'];

export const SASL_TYPES = ['dovecot', 'passwd-file'] as const;

/** createBackend - the backend for `s` (queueDir resolves a relative socket path); throws for an unknown type. */
export function createBackend(s: SaslSettings, queueDir: string, warn: (msg: string) => void): SaslBackend {
  switch (s.type) {
    case 'dovecot':
      return new DovecotAuthClient(path.resolve(queueDir, s.path), s.timeoutMs, warn);
    case 'passwd-file':
      return new PasswdFileBackend(path.resolve(queueDir, s.path), warn);
    default:
      throw new Error(`unsupported SASL server implementation: ${s.type} (supported: ${SASL_TYPES.join(', ')})`);
  }
}

/** allowed - does `m` pass the security options? */
export function allowed(m: Mechanism, options: readonly string[]): boolean {
  const o = new Set(options.map((x) => x.toLowerCase()));
  if (o.has('noanonymous') && m.anonymous) return false;
  if (o.has('noplaintext') && m.plaintext) return false;
  if (o.has('nodictionary') && m.dictionary) return false;
  if (o.has('noactive') && m.active) return false;
  if (o.has('mutual_auth') && !m.mutualAuth) return false;
  return true;
}

/** announced - the names to put after AUTH in EHLO, in the backend's order. */
export function announced(mechs: readonly Mechanism[], options: readonly string[]): string[] {
  return mechs.filter((m) => IMPLEMENTED.includes(m.name) && allowed(m, options)).map((m) => m.name);
}
