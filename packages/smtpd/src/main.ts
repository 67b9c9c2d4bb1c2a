/*
 * smtpd - the SMTP server (Postfix's smtpd(8)), on smtp-server. master.cf:
 *   smtp      inet  n       -       n       -       -       smtpd
 * A multi-server: one process serves many SMTP sessions at once; master adds processes
 * under load. Each accepted socket goes to the SMTP engine (server.ts); the restrictions,
 * limits and the way into cleanup are built once per process (services.ts).
 * See docs/smtpd.md. Parameters: see settings.ts.
 */
import { multiServer } from '@mailroom/global';
import { MailroomSmtpServer } from './server.js';
import { createService, relayGuarded } from './services.js';

let server: MailroomSmtpServer | undefined;

await multiServer({
  name: 'smtpd',
  postInit(ctx) {
    const svc = createService(ctx.config, ctx.service, ctx.log);
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
