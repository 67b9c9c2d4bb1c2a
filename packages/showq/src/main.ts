/*
 * showq - list the mail queue (Postfix's showq(8)). master.cf:
 *   showq unix n - n - - showq        (socket public/showq: any local user may list)
 * A multiServer: each connection gets one listing (protocols/showq.ts, written by
 * listing.ts from report.ts) and is closed; the client sends nothing. Runs as
 * mail_owner, so users without read access to the spool can run `postqueue -p`.
 * `showq -u -S` is the stand-alone mode that postqueue runs as the superuser while the
 * mail system is down: the same listing on standard output, configuration from
 * MAIL_CONFIG, privileges dropped to mail_owner (-u), as Postfix's postqueue runs it. See docs/showq.md. Reads: report.ts's parameters.
 */
import {
  createLogger, dropPrivileges, isRoot, loadConfig, mailOwner, multiServer, spoolFromConfig, type ServiceContext, type Spool,
} from '@mailroom/global';
import { writeListing } from './listing.js';
import { reportSettings, type ReportSettings } from './report.js';

interface Deps {
  spool: Spool;
  settings: ReportSettings;
}

let deps: Deps | undefined;

function setup(ctx: Pick<ServiceContext, 'config'>): Deps {
  return { spool: spoolFromConfig(ctx.config), settings: reportSettings(ctx.config) };
}

/** standalone - `showq [-u] -S`: one listing on standard output, then exit; -u: as mail_owner when root. */
async function standalone(unpriv: boolean): Promise<void> {
  const config = loadConfig({ configDir: process.env.MAIL_CONFIG || undefined });
  const log = createLogger({ service: 'showq', file: config.get('maillog_file') || undefined }); // opened before the drop
  if (unpriv && isRoot()) {
    const owner = mailOwner(config.get('mail_owner'), `${config.configDir}/main.cf`);
    if (typeof owner === 'string') throw new Error(owner);
    dropPrivileges(owner);
  }
  const d = setup({ config });
  process.stdout.on('error', () => process.exit(0)); // the reader went away
  await writeListing(process.stdout, d.spool, d.settings, log);
}

const argv = process.argv.slice(2);
if (argv.includes('-S')) {
  standalone(argv.includes('-u')).then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`showq: fatal: ${err.message}\n`);
      process.exit(1);
    },
  );
} else {
  await multiServer({
    name: 'showq',
    postInit(ctx) {
      deps = setup(ctx); // a broken parameter is fatal: master throttles the restarts
    },
    async onConnection(sock, ctx) {
      const d = deps ?? (deps = setup(ctx));
      sock.on('data', () => {}); // the client sends nothing; ignore whatever comes
      await writeListing(sock, d.spool, d.settings, ctx.log);
      sock.end();
    },
  });
}
