/*
 * owner - who a maildrop file belongs to: the passwd entry of a user ID (login name
 * and the full name from the GECOS field), read from /etc/passwd with `getent passwd`
 * (NSS) as the fallback, cached for the life of the process. pickup believes the file
 * owner's uid, never what the file says (docs/postdrop.md). Reads no parameters.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface OwnerEntry {
  uid: number;
  /** Login name; `#uid` when the uid has no passwd entry. */
  name: string;
  /** Full name from GECOS (first comma field, `&` = capitalised login), '' when none. */
  fullname: string;
}

const cache = new Map<number, OwnerEntry>();

/** gecosName - Postfix's fullname(): the GECOS text up to the first comma, `&` expanded. */
export function gecosName(gecos: string, login: string): string {
  const cap = login.charAt(0).toUpperCase() + login.slice(1);
  return (gecos.split(',')[0] ?? '').replace(/&/g, cap).trim();
}

function fromLine(line: string, uid: number): OwnerEntry | undefined {
  const f = line.split(':');
  if (f.length < 7 || Number(f[2]) !== uid || f[2] === '') return undefined;
  const name = f[0] as string;
  return { uid, name, fullname: gecosName(f[4] ?? '', name) };
}

function lookup(uid: number): OwnerEntry | undefined {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const e = fromLine(line, uid);
      if (e) return e;
    }
  } catch {
    // no /etc/passwd: ask NSS
  }
  try {
    const out = execFileSync('getent', ['passwd', String(uid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    return fromLine(out.trim(), uid);
  } catch {
    return undefined;
  }
}

/** ownerOf - the passwd entry of `uid` (cached); a uid without one is named `#uid`. */
export function ownerOf(uid: number): OwnerEntry {
  let e = cache.get(uid);
  if (!e) {
    e = lookup(uid) ?? { uid, name: `#${uid}`, fullname: '' };
    cache.set(uid, e);
  }
  return e;
}
