/*
 * sasl/passwd-file - SASL against a password file in Dovecot's passwd-file format,
 * read by smtpd itself (smtpd_sasl_type = passwd-file, smtpd_sasl_path = /the/file):
 *   alice@example.com:{SHA512-CRYPT}$6$...:::::
 *   bob:{PLAIN}secret
 * One user per line: name, password (schemes in crypt.ts; none given: CRYPT), then
 * Dovecot's uid:gid:gecos:home:shell:extra fields, which are ignored. `#` starts a
 * comment line. The file is read again when its modification time changes (checked
 * at most once a second). The login name is the name in the file, compared exactly,
 * then in lower case. No proxy authorization: a PLAIN authzid must equal the user.
 * Used by index.ts. The file is read again after each change, by the running smtpd, so
 * it must be readable by mail_owner (see docs/sasl.md).
 */
import fs from 'node:fs';
import { verifyPassword, splitScheme, SUPPORTED_SCHEMES } from './crypt.js';
import { plainMechanisms, type AuthRequest, type AuthResult, type Mechanism, type SaslBackend } from './types.js';

/** parsePasswdFile - user name to stored password (with its {SCHEME}). */
export function parsePasswdFile(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    const rest = line.slice(colon + 1);
    const end = rest.indexOf(':');
    const password = end < 0 ? rest : rest.slice(0, end);
    if (!users.has(name)) users.set(name, password);
  }
  return users;
}

export class PasswdFileBackend implements SaslBackend {
  private users = new Map<string, string>();
  private mtimeMs = -1;
  private checkedAt = 0;
  private readonly warned = new Set<string>();

  constructor(
    private readonly file: string,
    private readonly warn: (msg: string) => void,
    private readonly checkEveryMs = 1000,
  ) {}

  /** PLAIN and LOGIN, whatever the file holds (an unreadable file shows at login, as a 454). */
  async mechanisms(): Promise<Mechanism[]> {
    return plainMechanisms();
  }

  async authenticate(req: AuthRequest): Promise<AuthResult> {
    await this.refresh();
    let name = req.username;
    let stored = this.users.get(name);
    if (stored === undefined) {
      name = req.username.toLowerCase();
      stored = this.users.get(name);
    }
    if (stored === undefined || stored === '') return { ok: false };
    if (req.authzid && req.authzid !== req.username && req.authzid !== name) return { ok: false };
    const ok = await verifyPassword(stored, req.password);
    if (ok === undefined) {
      const { scheme } = splitScheme(stored);
      if (!this.warned.has(name)) {
        this.warned.add(name);
        this.warn(`${this.file}: user ${name}: unsupported password scheme ${scheme} (supported: ${SUPPORTED_SCHEMES.join(', ')})`);
      }
      return { ok: false };
    }
    return ok ? { ok: true, user: name } : { ok: false };
  }

  close(): void {
    this.users.clear();
  }

  /** refresh - read the file again if it changed; throws (a temporary failure) when it cannot be read. */
  private async refresh(): Promise<void> {
    const now = Date.now();
    if (this.mtimeMs >= 0 && now - this.checkedAt < this.checkEveryMs) return;
    this.checkedAt = now;
    const st = await fs.promises.stat(this.file);
    if (st.mtimeMs === this.mtimeMs) return;
    this.users = parsePasswdFile(await fs.promises.readFile(this.file, 'utf8'));
    this.mtimeMs = st.mtimeMs;
  }
}
