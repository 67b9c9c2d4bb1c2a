/*
 * bounce - the delivery status notification daemon (Postfix's bounce(8)). master.cf
 * runs it as three services, one program:
 *   bounce unix - - n - 0 bounce      non-delivery notices
 *   defer  unix - - n - 0 bounce      delay warnings
 *   trace  unix - - n - 0 bounce      success notices (NOTIFY=SUCCESS)
 * A multiServer speaking protocols/bounce.ts with qmgr; each request names its kind,
 * so the three services behave the same. Notices go out through cleanup (submit.ts).
 * See docs/bounce.md. Reads: settings.ts's parameters, and cleanup's address (submit.ts).
 */
import { bounceReplyCodec, bounceRequestCodec, CleanupClient, multiServer, serveIpc, type ServiceContext } from '@mailroom/global';
import { handleBounce, type BounceDeps } from './service.js';
import { readSettings } from './settings.js';
import { cleanupSubmitter } from './submit.js';

let deps: BounceDeps | undefined;

/** setup - parameters and the cleanup client, once per process. */
function setup(ctx: ServiceContext): BounceDeps {
  return {
    settings: readSettings(ctx.config, ctx.log),
    submit: cleanupSubmitter(() => CleanupClient.fromConfig(ctx.config)),
    log: ctx.log,
    queueDir: ctx.queueDir,
  };
}

await multiServer({
  name: 'bounce',
  postInit(ctx) {
    deps = setup(ctx); // a broken parameter is fatal: master throttles the restarts
  },
  onConnection: (sock, ctx) =>
    serveIpc(sock, bounceRequestCodec, bounceReplyCodec, (req) => handleBounce(req, deps ?? (deps = setup(ctx))), ctx.log),
});
