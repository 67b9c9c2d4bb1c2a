/*
 * qmgr/notify - ask the bounce daemon (`private/$bounce_service_name`) for a delivery
 * status notification about one message: failure (non-delivery, also for expired
 * mail), delay (delay_warning_time) or success (NOTIFY=SUCCESS). The daemon answers
 * once the notice is queued; until then the logs it is built from must stay.
 * A notice that cannot be sent now (daemon down, `defer` answer) returns false and
 * the message is kept and tried again later, as Postfix does.
 */
import path from 'node:path';
import {
  bounceReplyCodec, bounceRequestCodec, type BounceRecipient, type BounceReply, type BounceRequest,
  type IpcClientOptions, type StatusRecord,
} from '@mailroom/global';
import type { Message } from './message.js';
import { ClientPool } from './pool.js';

export type NoticeKind = BounceRequest['kind'];

/** toBounceRecipient - a status log record as the bounce protocol carries it. */
export function toBounceRecipient(r: StatusRecord): BounceRecipient {
  const out: BounceRecipient = { address: r.recipient, original: r.original, action: r.action, dsn: r.dsn, reason: r.reason, time: r.time };
  if (r.orcpt !== undefined) out.orcpt = r.orcpt;
  if (r.notify !== undefined) out.notify = r.notify;
  if (r.relay !== undefined) out.relay = r.relay;
  if (r.remoteMta !== undefined) out.remoteMta = r.remoteMta;
  return out;
}

export class Notifier {
  private readonly pool: ClientPool<BounceRequest, BounceReply>;

  constructor(queueDir: string, service: string, ipc: IpcClientOptions) {
    this.pool = new ClientPool(path.join(queueDir, 'private', service), bounceRequestCodec, bounceReplyCodec, ipc);
  }

  /** notify - true once the notice is queued (or the daemon found none was needed). */
  async notify(kind: NoticeKind, m: Message, records: readonly StatusRecord[]): Promise<boolean> {
    if (records.length === 0) return true;
    const f = m.file;
    const req: BounceRequest = {
      type: 'notify', kind, queueId: f.id, path: m.path, sender: f.sender,
      arrivalTime: Math.round(f.arrivalTime), recipients: records.map(toBounceRecipient),
    };
    if (f.envid !== undefined) req.envid = f.envid;
    if (f.ret !== undefined) req.ret = f.ret;
    try {
      const rep = await this.pool.request(req);
      if (rep.status === 'ok') return true;
      m.log.warn(`${f.id}: ${kind} notice deferred: ${rep.reason ?? 'bounce service failure'}`);
    } catch (err) {
      m.log.warn(`${f.id}: ${kind} notice: ${(err as Error).message}`);
    }
    return false;
  }

  close(): void {
    this.pool.close();
  }
}
