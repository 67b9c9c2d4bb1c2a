/*
 * mailbox/files - file-system steps shared by Maildir and mbox delivery: write a message
 * (prepended lines, converted content, size limit) to an open file, create missing
 * directories, and hand created files to their owner. When an agent runs as root it
 * creates mailbox files itself and gives them to the recipient with fchown (Node cannot
 * switch user per delivery inside one process); see docs/local.md for which deliveries do
 * that and which run in a helper process as the user. Used by maildir.ts and mbox.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { isRoot } from '../service/privileges.js';
import { totalLength, writeAll } from '../queue/fsio.js';
import type { MessageContent } from './content.js';
import { fileTooLarge } from './errors.js';
import { LineConverter, convertWhole } from './lines.js';

/** Who should own what a delivery creates. */
export interface FileOwner {
  uid: number;
  gid: number;
}

/** chownTo - give an open file to `owner` when we are root and it is someone else. */
export function chownFd(fd: number, owner: FileOwner | undefined): void {
  if (owner && isRoot() && owner.uid !== 0) fs.fchownSync(fd, owner.uid, owner.gid);
}

/** makeDirs - create `dir` and missing parents (mode), each given to `owner`. */
export function makeDirs(dir: string, mode: number, owner?: FileOwner): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
    missing.unshift(d);
    if (d === path.dirname(d)) break;
  }
  for (const d of missing) {
    try {
      fs.mkdirSync(d, mode);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue; // a concurrent delivery made it
      throw err;
    }
    if (owner && isRoot() && owner.uid !== 0) fs.chownSync(d, owner.uid, owner.gid);
  }
}

export interface MessageWrite {
  /** Written before the content: From_ line, Return-Path, Delivered-To ... */
  prefix: string;
  content: MessageContent;
  /** mbox: quote "From " lines. */
  quoteFrom: boolean;
  /** Written after the content (mbox: an empty line). */
  trailer?: string;
  /** The file may not grow beyond this many bytes (0: no limit). */
  limit: number;
  /** The file's size before this write. */
  start: number;
}

/** writeMessage - write one message at the file's current end; returns the bytes written. */
export async function writeMessage(fd: number, w: MessageWrite): Promise<number> {
  const head = Buffer.from(w.prefix);
  const tail = w.trailer ? [Buffer.from(w.trailer)] : [];
  const check = (n: number): void => {
    if (w.limit > 0 && w.start + n > w.limit) throw fileTooLarge();
  };
  if (w.content.whole) {
    // Small message: one write of prepared buffers.
    const parts = [head, ...convertWhole(w.content.whole, w.quoteFrom), ...tail];
    const n = totalLength(parts);
    check(n);
    await writeAll(fd, parts);
    return n;
  }
  const conv = new LineConverter(w.quoteFrom);
  let n = head.length;
  check(n);
  await writeAll(fd, [head]);
  for await (const chunk of w.content.open()) {
    const out = conv.push(chunk);
    n += totalLength(out);
    check(n);
    await writeAll(fd, out);
  }
  const out = [...conv.end(), ...tail];
  n += totalLength(out);
  check(n);
  await writeAll(fd, out);
  return n;
}
