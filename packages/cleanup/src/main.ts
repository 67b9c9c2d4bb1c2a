/*
 * cleanup - the message canonicalisation daemon (Postfix's cleanup(8)). master.cf:
 *   cleanup   unix  n       -       n       -       0       cleanup
 * A multi-server on public/cleanup: smtpd, pickup and bounce stream messages to it
 * (protocols/cleanup.ts); many messages at once per process, several per connection.
 * It adds missing headers, rewrites and expands addresses, applies header and body
 * checks, writes the queue file durably and wakes qmgr. See docs/cleanup.md.
 * Reads: the parameters of settings.ts and origin.ts (once, after privileges are
 * dropped), rewrite_service_name and bounce_service_name (their clients), ipc_*
 * (ipc_timeout also bounds how long a silent client is kept).
 */
import {
  bounceReplyCodec, bounceRequestCodec, IpcClient, ipcOptions, multiServer, RewriteClient, servicePath, spoolFromConfig,
  type ServiceContext, type TableLog,
} from '@mailroom/global';
import { contextDecider } from './origin.js';
import { serveConnection } from './server.js';
import type { SessionDeps } from './session.js';
import { readSettings } from './settings.js';
import { QmgrWakeup } from './wakeup.js';

let deps: SessionDeps | undefined;

/** setup - settings, tables, the rewrite client and the qmgr trigger, once per process. */
async function setup(ctx: ServiceContext): Promise<void> {
  const tableLog: TableLog = { warn: (m) => ctx.log.warn(m), info: (m) => ctx.log.info(m) };
  const bounceSocket = servicePath(ctx.queueDir, `private/${ctx.config.get('bounce_service_name') || 'bounce'}`);
  const bounce = new IpcClient(bounceSocket, bounceRequestCodec, bounceReplyCodec, ipcOptions(ctx.config));
  // A table that cannot be opened or a malformed parameter is fatal (the skeleton's
  // postInit rule): master throttles the restarts.
  deps = {
    settings: readSettings(ctx.config, tableLog),
    spool: spoolFromConfig(ctx.config),
    rewriter: RewriteClient.fromConfig(ctx.config),
    decideContext: contextDecider(ctx.config, ctx.log, tableLog),
    wakeup: new QmgrWakeup(ctx.queueDir, ctx.log),
    bouncer: (req) => bounce.request(req),
    log: ctx.log,
  };
}

await multiServer({
  name: 'cleanup',
  postInit: setup,
  onConnection: (sock, ctx) => serveConnection(sock, deps as SessionDeps, ctx.config.getTime('ipc_timeout') * 1000),
});
