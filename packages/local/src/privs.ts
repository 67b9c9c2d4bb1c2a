/*
 * privs - whose rights a delivery uses (local(8) DELIVERY RIGHTS): a mailbox is written
 * as its user; files and commands from an alias run as the owner of the alias table or of
 * the :include: file, from a .forward as its user; nothing runs as root: root's rights
 * become default_privs. Used by mailbox, command and file delivery.
 * Reads (through settings): default_privs.
 */
import fs from 'node:fs';
import { isRoot, lookupUser, type UserEntry } from '@mailroom/global';

export interface Privs {
  uid: number;
  gid: number;
  /** Login name and home, when the rights are a passwd user's. */
  name?: string;
  home?: string;
}

/** userPrivs - the rights of a passwd user. */
export function userPrivs(u: UserEntry): Privs {
  return { uid: u.uid, gid: u.gid, name: u.name, home: u.home };
}

const cache = new Map<string, Privs | undefined>();

/** defaultPrivs - the default_privs account; throws when it is missing or privileged. */
export function defaultPrivs(name: string): Privs {
  if (!cache.has(name)) {
    const u = lookupUser(name);
    cache.set(name, u && u.uid !== 0 ? userPrivs(u) : undefined);
  }
  const p = cache.get(name);
  if (!p) throw new Error(`default_privs: unknown or privileged user name: ${name}`);
  return p;
}

/** unprivileged - `p`, or default_privs when p is root (or unknown). */
export function unprivileged(p: Privs | undefined, defaultName: string): Privs {
  return p && p.uid !== 0 ? p : defaultPrivs(defaultName);
}

/** fileOwnerPrivs - the rights of a file's owner (uid and group of the file). */
export function fileOwnerPrivs(file: string): Privs | undefined {
  try {
    const st = fs.statSync(file);
    return { uid: st.uid, gid: st.gid };
  } catch {
    return undefined;
  }
}

/** switchUser - true when this process can and must take other rights (it is root). */
export function switchUser(p: Privs): boolean {
  return isRoot() && p.uid !== process.getuid?.();
}
