/*
 * pipe - the delivery agent for external commands (Postfix's pipe(8)): each master.cf
 * entry with command `pipe` is a transport whose attributes (flags=, user=, argv= ...)
 * say how to run the command; see docs/pipe.md. Runs as root when master is root (master.cf
 * unpriv = n) so that it can run the command as user=, which is then required and never
 * root or mail_owner; a bad attribute is fatal, as in Postfix.
 * Reads: <service>_time_limit (default $command_time_limit), recipient_delimiter,
 * export_environment, mail_owner, queue_directory.
 */
import os from 'node:os';
import { deliveryAgent, isRoot, type Config, type ServiceContext } from '@mailroom/global';
import { parseAttrs } from './attrs.js';
import { deliverPipe, type PipeSettings } from './deliver.js';

let settings: PipeSettings | undefined;
/** Whether master started us as root (before the skeleton could drop privileges). */
let startedAsRoot = false;

/** timeLimit - `<service>_time_limit` when set, else command_time_limit (seconds). */
function timeLimit(config: Config, service: string): number {
  const own = `${service}_time_limit`;
  return config.raw(own) !== undefined ? config.getTime(own) : config.getTime('command_time_limit');
}

function pipeSettings(ctx: ServiceContext, root: boolean): PipeSettings {
  const config = ctx.config;
  const attrs = parseAttrs(ctx.args, { mailOwner: config.get('mail_owner') }, root);
  if (!root && attrs.uid !== undefined && attrs.uid !== process.getuid?.()) {
    ctx.log.warn(`service ${ctx.service}: user=${attrs.user ?? ''} ignored: not running as root; the command runs as ${os.userInfo().username}`);
    attrs.uid = undefined;
    attrs.gid = undefined;
  }
  return {
    attrs, service: ctx.service, timeLimitMs: timeLimit(config, ctx.service) * 1000,
    recipientDelimiter: config.get('recipient_delimiter'), exportEnvironment: config.getList('export_environment'),
    queueDir: ctx.queueDir, masterCf: `${config.configDir}/master.cf`,
  };
}

await deliveryAgent({
  name: 'pipe',
  preInit(ctx) {
    startedAsRoot = isRoot();
    settings = pipeSettings(ctx, startedAsRoot);
  },
  postInit(ctx) {
    // Dropped to mail_owner (master.cf unpriv not `n`): commands would run with the queue
    // owner's rights, which pipe never allows.
    if (startedAsRoot && !isRoot()) throw new Error(`service ${ctx.service}: pipe must keep root privileges to run commands as user= (set the master.cf unpriv field to n)`);
  },
  deliver: (req, ctx) => deliverPipe(settings ?? pipeSettings(ctx, isRoot()), req, ctx),
});
