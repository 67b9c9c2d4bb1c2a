/*
 * smtpd - the SMTP server (Postfix's smtpd(8)), on smtp-server. master.cf:
 *   smtp      inet  n       -       n       -       -       smtpd
 * A multi-server: one process serves many SMTP sessions at once; master adds processes
 * under load. Each accepted socket goes to the SMTP engine (server.ts); the restrictions,
 * limits and the way into cleanup are built once per process (services.ts). The TLS key
 * and certificates are read before privileges are dropped, so they may be root's only.
 * See docs/smtpd.md. Parameters: see settings.ts.
 */
import { multiServer } from '@mailroom/global';
import { MailroomSmtpServer } from './server.js';
import { createService, loadServerTls, relayGuarded, type ServerTls } from './services.js';
import { readTlsSettings } from './tls.js';

let server: MailroomSmtpServer | undefined;
let keys: ServerTls | undefined;

await multiServer({
  name: 'smtpd',
  preInit(ctx) {
    keys = loadServerTls(readTlsSettings(ctx.config, []), ctx.log);
  },
  postInit(ctx) {
    const svc = createService(ctx.config, ctx.service, ctx.log, keys ? { tls: keys } : {});
    if (!relayGuarded(svc.settings)) {
      throw new Error(
        'in parameter smtpd_relay_restrictions or smtpd_recipient_restrictions, specify at least one working instance of: ' +
          'reject_unauth_destination, defer_unauth_destination, reject, defer, defer_if_permit',
      );
    }
    server = new MailroomSmtpServer(svc);
    setInterval(() => svc.limits.sweep(), 60_000).unref();
  },
  onConnection(sock) {
    if (!server) throw new Error('connection before initialisation');
    server.connect(sock);
  },
  onStop() {
    // Let sessions finish; master sends the next clients to other processes.
  },
});
