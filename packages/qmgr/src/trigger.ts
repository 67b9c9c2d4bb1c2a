/*
 * qmgr/trigger - what a trigger request on public/qmgr asks for (Postfix's
 * QMGR_REQ_* letters, ipc/trigger.ts), parsed without side effects:
 *   W, I  scan incoming/          D  scan deferred/ (files whose retry time has come)
 *   A     ignore retry times in the scans asked for with it (alone: scan incoming/)
 *   F     forget dead destinations and transports; deliver over defer_transports
 *   S<site>\n  (postqueue -s) revive the site and deliver its deferred mail now
 *   Q<id>\n    (postqueue -i) deliver one deferred message now (Postfix's flush_send_file)
 * `postfix flush` and `postqueue -f` send FADI; cleanup and pickup send I or A;
 * master's wakeup sends W.
 */
import { isQueueId, QMGR_REQ } from '@mailroom/global';
import type { ScanFlags } from './feed.js';

export interface TriggerRequest {
  incoming: boolean;
  deferred: boolean;
  flags: ScanFlags;
  /** F: forget dead destinations and transports. */
  reviveAll: boolean;
  /** S<site>: flush one site. */
  site?: string;
  /** Q<id>: flush one deferred message. */
  file?: string;
  /** Bytes that mean nothing to qmgr (logged). */
  unknown: string[];
}

/** FLUSH_SITE - the first byte of a `postqueue -s` request: `S` + site + newline. */
export const FLUSH_SITE = QMGR_REQ.FLUSH_SITE;

/** parseTrigger - the requests in one trigger's bytes. */
export function parseTrigger(text: string): TriggerRequest {
  const req: TriggerRequest = { incoming: false, deferred: false, flags: {}, reviveAll: false, unknown: [] };
  if (text.startsWith(FLUSH_SITE)) {
    const site = text.slice(1).split('\n')[0]?.trim() ?? '';
    if (site) {
      req.site = site;
      req.deferred = true;
      req.flags = { sites: [site], sitesOnly: true, flush: true };
    }
    return req;
  }
  if (text.startsWith(QMGR_REQ.FLUSH_FILE)) {
    const id = text.slice(1).split('\n')[0]?.trim() ?? '';
    if (isQueueId(id)) req.file = id;
    else req.unknown.push(text.slice(0, 1));
    return req;
  }
  for (const ch of text) {
    if (ch === 'W' || ch === 'I') req.incoming = true;
    else if (ch === 'D') req.deferred = true;
    else if (ch === 'A') req.flags.all = true;
    else if (ch === 'F') {
      req.flags.flush = true;
      req.reviveAll = true;
    } else if (ch !== '\n' && ch !== '\r') req.unknown.push(ch);
  }
  if (!req.deferred && (req.flags.all || req.flags.flush)) req.incoming = true;
  return req;
}
