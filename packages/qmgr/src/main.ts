/*
 * qmgr - the queue manager daemon (master.cf: `qmgr unix n - n 300 1 qmgr`; one
 * process, woken by triggers on public/qmgr and master's wakeup every 300 s).
 * It never exits for being idle or for max_use; asked to stop, it lets the
 * deliveries in flight answer first (qmgr/instance.ts). Everything else is in
 * qmgr.ts; docs/qmgr.md has the scheduling rules and every parameter.
 */
import { ServiceRuntime, triggerServer } from '@mailroom/global';
import { Qmgr } from './qmgr.js';

let qmgr: Qmgr | undefined;

void triggerServer({
  name: 'qmgr',
  idleExit: false,
  useLimit: false,
  postInit(ctx) {
    qmgr = new Qmgr(ctx);
    // Not awaited: on a reload the new qmgr must report ready (so that master retires
    // the old one) before it can take the instance lock the old one holds.
    qmgr.start().catch((err: Error) => ctx.fatal(`start: ${err.message}`));
  },
  onTrigger(data) {
    qmgr?.trigger(data);
  },
  onStop(ctx) {
    // Count the drain as a client so that the skeleton waits for it before exiting.
    if (!(ctx instanceof ServiceRuntime)) return;
    const rt = ctx;
    if (qmgr?.drain(() => rt.done())) rt.meter.begin();
  },
});
