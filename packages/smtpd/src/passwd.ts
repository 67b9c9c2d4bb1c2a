/*
 * passwd - the `unix:passwd.byname` lookup table (Postfix's dict_unix): key a user name,
 * value the passwd(5) line. Used by local_recipient_maps (`proxy:unix:passwd.byname
 * $alias_maps`). Node has no getpwnam(), so /etc/passwd is read, and read again when its
 * modification time changes (checked at most once a second, with one stat on the main
 * thread: no thread-pool hop per lookup). NSS-only users (LDAP, ...) are not seen; list
 * them in an alias or texthash table instead. Kept in smtpd for now: local(8) and
 * postmap -q could use it from packages/global/src/tables later.
 */
import fs from 'node:fs';
import { TableLookupError, type GetOptions, type LookupTable, type TableFlags } from '@mailroom/global';

/** parsePasswd - user name to passwd line. */
export function parsePasswd(text: string): Map<string, string> {
  const users = new Map<string, string>();
  for (const line of text.split('\n')) {
    const name = line.split(':', 1)[0];
    if (name && !name.startsWith('#') && !name.startsWith('+') && !users.has(name)) users.set(name, line);
  }
  return users;
}

export class PasswdTable implements LookupTable {
  readonly type = 'unix';
  readonly name = 'passwd.byname';
  readonly flags: TableFlags = { foldCase: false, fixed: true, pattern: false };
  private users = new Map<string, string>();
  private mtimeMs = -1;
  private checkedAt = 0;

  constructor(
    private readonly file = '/etc/passwd',
    private readonly checkEveryMs = 1000,
  ) {}

  async get(key: string, _opts?: GetOptions): Promise<string | undefined> {
    this.refresh();
    return this.users.get(key) ?? this.users.get(key.toLowerCase());
  }

  close(): void {
    this.users.clear();
  }

  private refresh(): void {
    const now = Date.now();
    if (this.mtimeMs >= 0 && now - this.checkedAt < this.checkEveryMs) return;
    this.checkedAt = now;
    try {
      const st = fs.statSync(this.file);
      if (st.mtimeMs === this.mtimeMs) return;
      this.users = parsePasswd(fs.readFileSync(this.file, 'utf8'));
      this.mtimeMs = st.mtimeMs;
    } catch (err) {
      throw new TableLookupError(`unix:passwd.byname: ${this.file}: ${(err as Error).message}`);
    }
  }
}
