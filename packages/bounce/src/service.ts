/*
 * service - answer one bounce request (protocols/bounce.ts): plan the notices,
 * compose each from the original's queue file, queue it through cleanup, log it as
 * Postfix does (`ID: sender non-delivery notification: NOTICEID`), and reply `ok`
 * only after cleanup has queued every notice that matters. A notice to the sender
 * (or the double bounce) that cannot be queued makes the reply `defer`, so qmgr
 * keeps the original's logs and asks again later; a failed postmaster copy only
 * warns. Never throws: any error becomes `defer`. Used by main.ts.
 */
import path from 'node:path';
import { isQueueId, queueLogger, type BounceReply, type BounceRequest, type Logger } from '@mailroom/global';
import { composeNotice } from './compose.js';
import { loadOriginal, type Original } from './original.js';
import { logLabel, planNotices, type NoticePlan } from './plan.js';
import type { BounceSettings } from './settings.js';
import type { Submitter } from './submit.js';

export interface BounceDeps {
  settings: BounceSettings;
  submit: Submitter;
  log: Logger;
  /** When set, the original's path must lie inside it (the request names a queue file, nothing else). */
  queueDir?: string;
}

/** badRequest - why a request cannot be served as it is, or undefined. */
function badRequest(req: BounceRequest, queueDir: string | undefined): string | undefined {
  if (!isQueueId(req.queueId)) return `bad mail queue ID: ${req.queueId.slice(0, 80)}`;
  if (queueDir !== undefined && !path.resolve(queueDir, req.path).startsWith(path.resolve(queueDir) + path.sep)) {
    return `queue file outside the queue directory: ${req.path}`;
  }
  return undefined;
}

/** failedCopyWarning - Postfix's words when a postmaster copy could not be queued. */
function failedCopyWarning(n: NoticePlan, sender: string): string {
  return n.kind === 'delay' ? `postmaster notice failed while warning ${sender}` : `postmaster notice failed while bouncing to ${sender}`;
}

async function notify(req: BounceRequest, deps: BounceDeps, log: Logger): Promise<BounceReply> {
  const id = req.queueId;
  const bad = badRequest(req, deps.queueDir);
  if (bad) {
    // qmgr's bug, not the mail's: keep the original's logs and say so loudly.
    log.warn(`bounce request: ${bad}`);
    return { type: 'notified', status: 'defer', reason: bad };
  }
  const plan = planNotices(req, deps.settings);
  if (plan.warning) log.warn(`${id}: ${plan.warning}`);
  if (plan.info) log.info(`${id}: ${plan.info}`);
  // The sender's notice may return the whole message, a postmaster copy its headers: read each once.
  const originals = new Map<boolean, Promise<Original>>();
  const original = (full: boolean): Promise<Original> => {
    let p = originals.get(full);
    if (!p) {
      p = loadOriginal(deps.queueDir ? path.resolve(deps.queueDir, req.path) : req.path, full, deps.settings.sizeLimit).then((o) => {
        if (o.error) log.warn(`${id}: cannot read original message: ${o.error}`);
        return o;
      });
      originals.set(full, p);
    }
    return p;
  };
  let noticeId: string | undefined;
  for (const n of plan.notices) {
    const notice = composeNotice(req, n, await original(n.returnFull), deps.settings);
    const r = await deps.submit(notice);
    if (r.ok) {
      log.info(`${id}: ${logLabel(n)}: ${r.queueId}`);
      noticeId ??= r.queueId;
    } else if (n.critical) {
      log.warn(`${id}: ${logLabel(n)} to <${n.recipient}> not queued: ${r.reason}`);
      return { type: 'notified', status: 'defer', noticeId, reason: r.reason };
    } else {
      log.warn(`${id}: ${failedCopyWarning(n, req.sender)}: ${r.reason}`);
    }
  }
  return { type: 'notified', status: 'ok', noticeId };
}

/** handleBounce - the reply to one request. */
export async function handleBounce(req: BounceRequest, deps: BounceDeps): Promise<BounceReply> {
  const log = queueLogger(deps.log, req.queueId);
  try {
    return await notify(req, deps, log);
  } catch (err) {
    log.error(`${req.queueId}: ${(err as Error).stack ?? String(err)}`);
    return { type: 'notified', status: 'defer', reason: `bounce service error: ${(err as Error).message}` };
  }
}
