/*
 * sasl/types - the one interface smtpd's SASL backends share (Postfix's xsasl_server):
 * the mechanisms a backend offers, and one authentication with the client's
 * credentials as smtp-server decoded them (PLAIN and LOGIN carry a user name and a
 * password). Backends: passwd-file.ts (a Dovecot passwd-file read by smtpd) and
 * dovecot.ts (Dovecot's auth socket). Chosen by smtpd_sasl_type in index.ts.
 */

/** A mechanism and the properties smtpd_sasl_security_options filter on. */
export interface Mechanism {
  name: string;
  plaintext: boolean;
  anonymous: boolean;
  dictionary: boolean;
  active: boolean;
  mutualAuth: boolean;
}

/** One AUTH attempt. */
export interface AuthRequest {
  mechanism: 'PLAIN' | 'LOGIN';
  /** Authentication identity (the login name typed by the user). */
  username: string;
  /** Authorization identity (PLAIN only; empty: same as username). */
  authzid: string;
  password: string;
  /** Facts Dovecot wants: service, addresses, TLS. */
  service: string;
  clientAddr: string;
  clientPort: number;
  localAddr: string;
  localPort: number;
  secured: boolean;
}

/** The backend's verdict: `user` is the canonical login name (sasl_username). */
export type AuthResult = { ok: true; user: string } | { ok: false; reason?: string; temporary?: boolean };

export interface SaslBackend {
  /** The mechanisms the backend offers (may contact it); throws when it cannot be reached. */
  mechanisms(): Promise<Mechanism[]>;
  authenticate(req: AuthRequest): Promise<AuthResult>;
  close(): void;
}

/** plainMechanisms - PLAIN and LOGIN, both plaintext, as a password file backs them. */
export function plainMechanisms(): Mechanism[] {
  const m = (name: string): Mechanism => ({ name, plaintext: true, anonymous: false, dictionary: true, active: false, mutualAuth: false });
  return [m('PLAIN'), m('LOGIN')];
}
