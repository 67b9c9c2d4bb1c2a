/*
 * qmgr/pool - connections to one service (a delivery agent, bounce), one request in
 * flight per connection: a service answers a connection's requests in order, so a
 * slow answer on a shared connection would hold up every answer behind it. Idle
 * connections are kept for the next request (each closes itself after ipc_idle).
 * Used by qmgr/transport.ts and qmgr/notify.ts.
 */
import { IpcClient, type Codec, type IpcClientOptions } from '@mailroom/global';

export class ClientPool<Req, Rep> {
  private readonly idle: IpcClient<Req, Rep>[] = [];

  constructor(
    readonly path: string,
    private readonly req: Codec<Req>,
    private readonly rep: Codec<Rep>,
    private readonly opts: IpcClientOptions,
  ) {}

  /** request - one request on a connection of its own; rejects with IpcError. */
  request(msg: Req): Promise<Rep> {
    const client = this.idle.pop() ?? new IpcClient(this.path, this.req, this.rep, this.opts);
    // A failed client has closed its socket and reconnects on its next use.
    return client.request(msg).finally(() => this.idle.push(client));
  }

  /** close - drop the idle connections. */
  close(): void {
    for (const c of this.idle.splice(0)) c.close();
  }
}
