/*
 * dotforward - the ~/.forward step of local delivery: the first file of forward_path that
 * exists (`$home/.forward+ext`, then `$home/.forward` by default), owned by the user and a
 * regular file, lists destinations with the syntax of an alias value; they are delivered
 * with the user's rights. An empty file, or the user listed in their own file, means the
 * mailbox. The file is opened without following a final symbolic link and checked on the
 * open descriptor, so that a root process reads nothing the user could not.
 * Reads (through settings): forward_path, forward_expansion_filter.
 */
import fs from 'node:fs';
import { lookupUser, splitList } from '@mailroom/global';
import { localAttributes, localExpand } from './expand.js';
import { userPrivs } from './privs.js';
import type { LocalParts } from './recipient.js';
import type { Attr, Delivery } from './state.js';
import { deliverToken, includeTargets } from './token.js';

/** readForward - the file's text, or undefined when it is missing or not acceptable. */
function readForward(d: Delivery, file: string, uid: number): string | undefined {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') d.log.warn(`cannot open ${file}: ${(err as Error).message}`);
    return undefined;
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return undefined;
    if (st.uid !== uid) {
      d.log.warn(`file ${file} has bad owner uid ${st.uid}`);
      return undefined;
    }
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** deliverDotForward - deliver through the user's .forward; false when there is none. */
export async function deliverDotForward(d: Delivery, a: Attr, p: LocalParts): Promise<boolean> {
  const s = d.settings;
  if (a.fwdFrom === p.user || !s.forwardPath) return false;
  const u = lookupUser(p.user);
  if (!u) return false;
  const attrs = localAttributes(s, { recipient: a.address, home: u.home });
  for (const raw of splitList(s.forwardPath)) {
    const file = localExpand(s, raw, attrs, s.forwardFilter);
    const text = readForward(d, file, u.uid);
    if (text === undefined) continue;
    const targets = includeTargets(text);
    if (targets.length === 0) return false;
    const next: Attr = { ...a, level: a.level + 1, expType: 'forward', fwdFrom: p.user, expFrom: undefined, privs: userPrivs(u) };
    for (const t of targets) await deliverToken(d, next, t);
    return true;
  }
  return false;
}
