/*
 * pickup - the local mail pickup daemon (Postfix's pickup(8)). master.cf:
 *   pickup unix n - n 60 1 pickup
 * A trigger server: woken by postdrop/sendmail after each submission and by master's
 * 60-second timer, it feeds every complete file in `maildrop/` to cleanup (scan.ts).
 * It also scans once when it starts, so mail left while the system was down goes out
 * at once. See docs/pickup.md. Reads: queue_directory, message_size_limit,
 * cleanup_service_name, ipc_timeout, ipc_idle.
 */
import { triggerServer, type ServiceContext } from '@mailroom/global';
import { MaildropScanner } from './scan.js';

let scanner: MaildropScanner | undefined;
const scan = (ctx: ServiceContext): Promise<void> => (scanner ??= new MaildropScanner(ctx)).request();

const rt = await triggerServer({
  name: 'pickup',
  // Any trigger byte means "look in maildrop" (Postfix's pickup ignores the request).
  onTrigger: (_data, ctx) => scan(ctx),
});
scan(rt).catch((err: Error) => rt.log.error(`maildrop scan: ${err.message}`));
