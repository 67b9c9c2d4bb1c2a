/*
 * cmdlog - how an administrative command reports, as Postfix's msg_vstream + msg_syslog:
 * every line goes to standard error as `prog: text` (`prog: warning: text`), and, when
 * `maillog_file` is set, to the suite's log through the one logger (log.ts) with the
 * command's name as its service. Without maillog_file the daemons log to master's
 * standard error, which a command cannot reach: standard error is then the only copy.
 * Used by postsuper and postlog. Reads: maillog_file.
 */
import { createLogger, type Config, type Logger } from '@mailroom/global';

export type Severity = 'info' | 'warn' | 'error' | 'fatal' | 'panic';

const PREFIX: Record<Severity, string> = { info: '', warn: 'warning: ', error: 'error: ', fatal: 'fatal: ', panic: 'panic: ' };

export interface CommandLog {
  /** The pino logger writing to maillog_file, if any. */
  readonly logger: Logger | undefined;
  /** log - one line to standard error (unless `quiet`) and to the log. */
  log(severity: Severity, text: string, opts?: { quiet?: boolean; queueId?: string }): void;
  info(text: string): void;
  warn(text: string): void;
  /** fatal - log, then exit with status 1. */
  fatal(text: string): never;
}

/**
 * commandLog - open the log for `prog` (call before dropping privileges: the log file
 * may belong to root). `tag` replaces the service name (postlog -t).
 */
export function commandLog(prog: string, config: Config | undefined, tag = prog): CommandLog {
  const file = config?.get('maillog_file') ?? '';
  let logger: Logger | undefined;
  if (file) {
    try {
      logger = createLogger({ service: tag, file, sync: true });
    } catch (err) {
      process.stderr.write(`${prog}: warning: open ${file}: ${(err as Error).message}\n`);
    }
  }
  const log = (severity: Severity, text: string, opts: { quiet?: boolean; queueId?: string } = {}): void => {
    if (!opts.quiet) process.stderr.write(`${tag}: ${PREFIX[severity]}${text}\n`);
    if (!logger) return;
    const l = opts.queueId ? logger.child({ queue_id: opts.queueId }) : logger;
    // log.ts adds the warning:/error:/fatal: prefixes; panic is logged as fatal with its own.
    if (severity === 'panic') l.fatal(`panic: ${text}`);
    else l[severity](text);
  };
  return {
    logger,
    log,
    info: (text) => log('info', text),
    warn: (text) => log('warn', text),
    fatal: (text): never => {
      log('fatal', text);
      process.exit(1);
    },
  };
}
