/*
 * token - one element of an alias, .forward or :include: expansion: an address (delivered
 * here when it resolves to local, else forwarded), a /file/name, a |command, or an
 * :include: file (read with the current rights; its owner's rights apply to its contents
 * unless that is root). Files and commands are allowed only where allow_mail_to_files
 * and allow_mail_to_commands say (alias, forward, include).
 * Reads (through settings): allow_mail_to_commands, allow_mail_to_files, default_privs.
 */
import fs from 'node:fs';
import { isRoot, parseAliasValue, type AliasTarget } from '@mailroom/global';
import { runCommand } from './command.js';
import { deliverFile } from './file.js';
import { unprivileged, type Privs } from './privs.js';
import { deliverRecipient, MAX_LEVEL } from './recipient.js';
import { addressFromToken, resolveFurther } from './resolve.js';
import { bounce, defer, fail, record, type Attr, type Delivery } from './state.js';

/** deliverToken - deliver one expansion element. */
export function deliverToken(d: Delivery, a: Attr, t: AliasTarget): Promise<void> {
  switch (t.kind) {
    case 'address':
      return deliverAddress(d, a, addressFromToken(t.address));
    case 'file':
      return deliverFile(d, a, t.path);
    case 'command':
      return deliverCommand(d, a, t.command);
    case 'include':
      return deliverInclude(d, a, t.path);
  }
}

/** deliverAddress - a further address: here when it resolves to us, else forwarded. */
export async function deliverAddress(d: Delivery, a: Attr, address: string): Promise<void> {
  if (a.level > MAX_LEVEL) {
    bounce(d, { ...a, address }, '5.4.6', `possible alias database loop for ${address}`);
    return;
  }
  const r = await resolveFurther(d.settings.config, d.req.transport, a.sender, address);
  if (r.kind === 'error') {
    fail(d, { ...a, address }, r.dsn, r.reason);
  } else if (r.kind === 'local') {
    await deliverRecipient(d, { ...a, address: r.address, level: a.level + 1 });
  } else if (!d.dup.beenHere(`forward ${r.address.toLowerCase()}`)) {
    d.forwarder.add(d, a, r.address);
  }
}

/** deliverCommand - a |command from an alias, .forward or :include: file. */
async function deliverCommand(d: Delivery, a: Attr, command: string): Promise<void> {
  if (!d.settings.allowCommands.has(a.expType ?? '')) {
    bounce(d, a, '5.7.1', 'mail to command is restricted');
    return;
  }
  if (d.dup.beenHere(`command ${a.privs?.uid ?? ''} ${command}`)) return;
  const st = await runCommand(d, a, command, unprivileged(a.privs, d.settings.defaultPrivs));
  record(d, a.address, st.status, st.dsn, st.reason);
}

/** readableBy - whether `p` may read a file with these attributes (no supplementary groups). */
function readableBy(st: fs.Stats, p: Privs): boolean {
  if (p.uid === 0) return true;
  if (st.uid === p.uid) return (st.mode & 0o400) !== 0;
  if (st.gid === p.gid) return (st.mode & 0o040) !== 0;
  return (st.mode & 0o004) !== 0;
}

/** readInclude - the :include: file's text and owner, read as `p` would be allowed to. */
function readInclude(path: string, p: Privs): { text: string; st: fs.Stats } {
  const fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw Object.assign(new Error('not a regular file'), { code: 'EFTYPE' });
    if (isRoot() && !readableBy(st, p)) throw Object.assign(new Error('Permission denied'), { code: 'EACCES' });
    return { text: fs.readFileSync(fd, 'utf8'), st };
  } finally {
    fs.closeSync(fd);
  }
}

/** includeTargets - the destinations of an :include: file (lines, # comments). */
export function includeTargets(text: string): AliasTarget[] {
  return text.split('\n').filter((l) => l.trim() && !l.trimStart().startsWith('#')).flatMap((l) => parseAliasValue(l));
}

/** deliverInclude - every destination listed in an :include: file. */
async function deliverInclude(d: Delivery, a: Attr, path: string): Promise<void> {
  if (!path.startsWith('/')) {
    bounce(d, a, '5.3.5', `:include:${path} uses a relative path`);
    return;
  }
  if (d.dup.beenHere(`include ${path}`)) return;
  const p = unprivileged(a.privs, d.settings.defaultPrivs);
  let read: { text: string; st: fs.Stats };
  try {
    read = readInclude(path, p);
  } catch (err) {
    d.log.warn(`cannot open include file ${path}: ${(err as Error).message}`);
    defer(d, a, '4.3.0', `cannot open include file ${path}: ${(err as Error).message}`);
    return;
  }
  const privs = read.st.uid !== 0 ? { uid: read.st.uid, gid: read.st.gid } : a.privs;
  const next: Attr = { ...a, level: a.level + 1, expType: 'include', privs };
  for (const t of includeTargets(read.text)) await deliverToken(d, next, t);
}
