/*
 * service/privileges - who runs a daemon. Started as root, a daemon drops to mail_owner
 * (Postfix's set_ugid) unless master.cf says unpriv = n (local, pipe); started as another
 * user, everything stays that user. Node has no getpwnam(): /etc/passwd is read, then
 * `getent passwd` (NSS) as a fallback. Used by the skeleton, master and `postfix check`.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface UserEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

function parsePasswdLine(line: string, name: string): UserEntry | undefined {
  const f = line.split(':');
  if (f[0] !== name || f.length < 7) return undefined;
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid)) return undefined;
  return { name, uid, gid, home: f[5] ?? '/' };
}

/** lookupUser - the passwd entry of `name`, or undefined when there is no such user. */
export function lookupUser(name: string): UserEntry | undefined {
  try {
    for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
      const e = parsePasswdLine(line, name);
      if (e) return e;
    }
  } catch {
    // no /etc/passwd: ask NSS below
  }
  try {
    const out = execFileSync('getent', ['passwd', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    return parsePasswdLine(out.trim(), name);
  } catch {
    return undefined;
  }
}

/** isRoot - true when this process has root privileges. */
export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** dropPrivileges - become `user` for good (groups, then gid, then uid). */
export function dropPrivileges(user: UserEntry): void {
  if (!process.setgid || !process.setuid) throw new Error('cannot change user ID on this platform');
  if (user.uid === 0) throw new Error(`user ${user.name} has privileged user ID`);
  process.setgroups?.([user.gid]);
  process.setgid(user.gid);
  process.setuid(user.uid);
  if (process.getuid?.() !== user.uid || process.geteuid?.() !== user.uid) {
    throw new Error(`could not drop privileges to ${user.name}`);
  }
}

/** mailOwner - the mail_owner account, or an error message Postfix-style. */
export function mailOwner(name: string, mainCf: string): UserEntry | string {
  const user = lookupUser(name);
  if (!user) return `file ${mainCf}: parameter mail_owner: unknown user name value: ${name}`;
  if (user.uid === 0) return `file ${mainCf}: parameter mail_owner: user ${name} has privileged user ID`;
  return user;
}

/** lookupGroup - the gid of group `name` (from /etc/group, then `getent group`). */
export function lookupGroup(name: string): number | undefined {
  const parse = (line: string): number | undefined => {
    const f = line.split(':');
    return f[0] === name && f.length >= 3 && /^\d+$/.test(f[2] ?? '') ? Number(f[2]) : undefined;
  };
  try {
    for (const line of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
      const gid = parse(line);
      if (gid !== undefined) return gid;
    }
  } catch {
    // ask NSS below
  }
  try {
    return parse(execFileSync('getent', ['group', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return undefined;
  }
}
