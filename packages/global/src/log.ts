/*
 * log - the one logger every Mailroom process uses.
 *
 * pino JSON lines with `service`, `pid` and (per message) `queue_id`; the `msg`
 * field reads like the Postfix log line so administrators can grep as always.
 * Destination: `maillog_file` when set, else standard error (which master collects).
 * Warnings, errors and fatal lines get Postfix's `warning: `/`error: `/`fatal: ` prefix
 * in `msg`, so `grep warning:` works as it always did; callers need not write it.
 */
import { pino } from 'pino';

export type Logger = pino.Logger;

export interface LogOptions {
  /** Service name as in master.cf or the command name (`smtpd`, `postsuper`). */
  service: string;
  /** Append to this file instead of standard error (`maillog_file`). */
  file?: string;
  /** pino level; default `info`. */
  level?: string;
  /** Write synchronously (commands); daemons use buffered writes and flush on exit. */
  sync?: boolean;
}

/** Postfix's severity prefixes: a `warn` line reads `warning: ...`, as in Postfix logs. */
const PREFIX: Record<number, string> = { 40: 'warning: ', 50: 'error: ', 60: 'fatal: ' };

/** withPrefix - prefix the message with its severity unless the caller already did. */
function withPrefix(args: unknown[], level: number): unknown[] {
  const prefix = PREFIX[level];
  if (!prefix) return args;
  const i = typeof args[0] === 'string' ? 0 : typeof args[1] === 'string' ? 1 : -1;
  if (i < 0 || (args[i] as string).startsWith(prefix)) return args;
  const out = [...args];
  out[i] = prefix + (args[i] as string);
  return out;
}

/** createLogger - one pino logger for a process. */
export function createLogger(opts: LogOptions): Logger {
  const sync = opts.sync ?? true;
  const dest = opts.file
    ? pino.destination({ dest: opts.file, append: true, mkdir: true, sync })
    : pino.destination({ fd: 2, sync });
  return pino(
    {
      base: { service: opts.service, pid: process.pid },
      level: opts.level ?? 'info',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
      hooks: {
        logMethod(args, method, level) {
          method.apply(this, withPrefix(args, level) as Parameters<typeof method>);
        },
      },
    },
    dest,
  );
}

/** queueLogger - a child logger whose lines carry the queue ID. */
export function queueLogger(log: Logger, queueId: string): Logger {
  return log.child({ queue_id: queueId });
}
