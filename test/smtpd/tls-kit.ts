/*
 * tls-kit - what the smtpd TLS and SASL tests share: a self-signed certificate made with
 * openssl, `openssl s_client`, and smtpd's raw test client (SmtpClient: every byte and
 * every reply, STARTTLS in mid-session or TLS from the first byte).
 */
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export { SmtpClient } from '@mailroom/smtpd/testing';

export interface CertFiles {
  cert: string;
  key: string;
  /** Key followed by the certificate (smtpd_tls_chain_files form). */
  chain: string;
}

/** makeCert - a self-signed RSA certificate for `cn` in `dir` (files readable by mail_owner). */
export function makeCert(dir: string, cn = 'mail.example.test'): CertFiles {
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  const chain = path.join(dir, 'chain.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=DNS:${cn}`], {
    stdio: 'ignore',
  });
  fs.writeFileSync(chain, fs.readFileSync(key, 'utf8') + fs.readFileSync(cert, 'utf8'));
  for (const f of [cert, key, chain]) fs.chmodSync(f, 0o644);
  return { cert, key, chain };
}

/** sClient - `openssl s_client` with `args`, `input` on standard input; its output. */
export function sClient(args: string[], input: string, timeoutMs = 20_000): Promise<{ status: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = execFile('openssl', ['s_client', ...args], { encoding: 'utf8', timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, out: `${stdout}${stderr}` });
    });
    p.stdin?.end(input);
  });
}

/** b64 - base64 of a string (SASL responses). */
export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
