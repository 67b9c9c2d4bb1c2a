/*
 * qmgr/transport - one delivery transport (a master.cf service such as smtp, relay,
 * local): its destination queues, the ones ready to deliver (kept in round-robin
 * order), deliveries in flight against the transport's process limit (master.cf
 * maxproc), and its connections to `private/<transport>`. Each delivery in flight has
 * a connection of its own, so that a slow delivery never holds up the reply of a fast
 * one; idle connections are kept for the next delivery and close after ipc_idle.
 * A transport whose agent cannot be reached is suspended for transport_retry_time.
 */
import path from 'node:path';
import { deliverReplyCodec, deliverRequestCodec, type DeliverReply, type DeliverRequest, type IpcClientOptions } from '@mailroom/global';
import { ClientPool } from './pool.js';
import type { DestQueue, Suspension } from './queue.js';
import type { TransportSettings } from './settings.js';

export class Transport {
  readonly queues = new Map<string, DestQueue>();
  /** Queues that may start a delivery now, in round-robin order (Set keeps insertion order). */
  readonly ready = new Set<DestQueue>();
  busy = 0;
  suspended: Suspension | undefined;
  readonly agent: ClientPool<DeliverRequest, DeliverReply>;

  constructor(
    readonly settings: TransportSettings,
    socket: string,
    ipc: IpcClientOptions,
  ) {
    this.agent = new ClientPool(socket, deliverRequestCodec, deliverReplyCodec, ipc);
  }

  get name(): string {
    return this.settings.name;
  }

  /** canStart - below the process limit, not suspended, something ready. */
  canStart(): boolean {
    return !this.suspended && this.busy < this.settings.processLimit && this.ready.size > 0;
  }

  /** close - drop the idle connections to the agent. */
  close(): void {
    this.agent.close();
  }
}

/** transportSocket - `$queue_directory/private/<transport>`. */
export function transportSocket(queueDir: string, name: string): string {
  return path.join(queueDir, 'private', name);
}
