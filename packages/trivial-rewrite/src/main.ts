/*
 * trivial-rewrite - the address rewriting and resolving daemon (Postfix's
 * trivial-rewrite(8)), run by master for the `rewrite` service:
 *   rewrite   unix  -  -  n  -  -  trivial-rewrite
 * A multiServer speaking protocols/rewrite.ts over private/rewrite with smtpd, cleanup,
 * qmgr and the delivery agents. See docs/trivial-rewrite.md.
 * Reads: the parameters of settings.ts (once, after privileges are dropped).
 */
import { multiServer, type ServiceContext } from '@mailroom/global';
import { createEngine } from './engine.js';
import { RewriteService } from './service.js';
import { readSettings } from './settings.js';

let service: RewriteService | undefined;

/** setup - settings, tables and our interface addresses, once per process. */
async function setup(ctx: ServiceContext): Promise<void> {
  // A malformed parameter is fatal (nothing can be answered): master throttles the restarts.
  service = new RewriteService(await createEngine(readSettings(ctx.config), { log: ctx.log }), ctx.log);
}

await multiServer({
  name: 'trivial-rewrite',
  postInit: setup,
  onConnection: (sock, ctx) => (service as RewriteService).serve(sock, ctx.log),
});
