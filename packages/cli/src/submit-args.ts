/*
 * submit-args - sendmail's command line, parsed as Postfix's sendmail(1) parses it:
 * POSIX getopt over "A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvx" (options end at
 * the first recipient), with `-q` alone meaning "flush" and the mode taken from the
 * program name first (mailq, newaliases). Pure: returns the options or throws
 * UsageError; warnings are collected for the caller to print. Used by sendmail.ts.
 */
import { EX_USAGE } from './submit-sysexits.js';

export type SendmailMode = 'enqueue' | 'newaliases' | 'mailq' | 'daemon' | 'smtp' | 'flush' | 'verify' | 'ignore';

/** DSN NOTIFY bits (Postfix's values, also in the queue file). */
export const DSN_NOTIFY = { NEVER: 1, SUCCESS: 2, DELAY: 4, FAILURE: 8 } as const;
/** DSN RET values. */
export const DSN_RET = { FULL: 1, HDRS: 2 } as const;

export interface SendmailOptions {
  mode: SendmailMode;
  /** -t: take recipients from To:, Cc:, Bcc: (Resent-* when present) too. */
  extract: boolean;
  /** A line with a lone `.` ends the input (cleared by -i and -oi). */
  dotEndsInput: boolean;
  sender?: string;
  fullname?: string;
  /** -C: the configuration directory (a main.cf path names its directory). */
  configDir?: string;
  notify?: number;
  ret?: number;
  envid?: string;
  /** -B: the body type, as the cleanup protocol spells it. */
  body?: '7BIT' | '8BITMIME';
  /** -G: gateway submission (rewrite_context=remote). */
  gateway: boolean;
  /** One -v in delivery mode: ask for a delivery report (trace_flags). */
  deliveryReport: boolean;
  /** Verbose level for logging (-v given twice or more). */
  verbose: number;
  /** -oA: alias database for -bi. */
  aliasDatabase?: string;
  /** -qR site, -qI queue ID. */
  flushSite?: string;
  flushId?: string;
  /** -q<interval>: accepted and ignored. */
  queueInterval?: string;
  recipients: string[];
  warnings: string[];
}

/** A bad command line: message for `sendmail: fatal: ...`, exit status EX_USAGE. */
export class UsageError extends Error {
  readonly status = EX_USAGE;
}

const WITH_ARG = 'ABCFLNORVXbefhopqr';
const NO_ARG = 'GIUcimntvx';

/** dsnNotifyMask - `never` or a list of success, delay, failure; 0 when malformed. */
export function dsnNotifyMask(text: string): number {
  let mask = 0;
  for (const word of text.split(/[\s,]+/).filter(Boolean)) {
    const bit = DSN_NOTIFY[word.toUpperCase() as keyof typeof DSN_NOTIFY];
    if (bit === undefined) return 0;
    mask |= bit;
  }
  return (mask & DSN_NOTIFY.NEVER) !== 0 && mask !== DSN_NOTIFY.NEVER ? 0 : mask;
}

function initialMode(progName: string): SendmailMode {
  if (progName === 'mailq') return 'mailq';
  if (progName === 'newaliases') return 'newaliases';
  if (progName === 'smtpd') return 'daemon';
  return 'enqueue';
}

const VERP = 'VERP (-XV) is not supported';

/** parseSendmailArgs - the options of one sendmail invocation. */
export function parseSendmailArgs(argv: readonly string[], progName = 'sendmail'): SendmailOptions {
  const o: SendmailOptions = {
    mode: initialMode(progName), extract: false, dotEndsInput: true, gateway: false,
    deliveryReport: false, verbose: 0, recipients: [], warnings: [],
  };
  const option = (c: string, arg: string): void => {
    switch (c) {
      case 'n': throw new UsageError('-n option not supported');
      case 'B':
        if (arg !== '8BITMIME' && arg !== '7BIT') throw new UsageError('-B option needs 8BITMIME or 7BIT');
        o.body = arg;
        break;
      case 'C': o.configDir = arg.replace(/\/?main\.cf$/, '') || '.'; break;
      case 'F': o.fullname = arg; break;
      case 'G': o.gateway = true; break;
      case 'I': o.mode = 'newaliases'; break;
      case 'N': {
        const mask = dsnNotifyMask(arg);
        if (mask === 0) o.warnings.push('bad -N option value -- ignored');
        else o.notify = mask;
        break;
      }
      case 'V':
        if (arg.length === 2) throw new UsageError(VERP); // Postfix 2.2 VERP syntax
        if (arg.length > 100) o.warnings.push('too long -V option value -- ignored');
        else if (!/^[\x20-\x7e]+$/.test(arg)) o.warnings.push('bad syntax in -V option value -- ignored');
        else o.envid = arg;
        break;
      case 'X':
        if (arg.startsWith('V')) throw new UsageError(VERP);
        throw new UsageError(`unsupported: -X${arg[0] ?? ''}`);
      case 'b': {
        const modes: Record<string, SendmailMode> = { d: 'daemon', h: 'ignore', H: 'ignore', i: 'newaliases', m: 'enqueue', p: 'mailq', s: 'smtp', v: 'verify' };
        const m = modes[arg[0] ?? ''];
        if (!m) throw new UsageError(`unsupported: -b${arg[0] ?? ''}`);
        if (m === 'daemon' && o.mode === 'flush') o.warnings.push('ignoring -q option in daemon mode');
        o.mode = m;
        break;
      }
      case 'f': case 'r': o.sender = arg; break;
      case 'i': o.dotEndsInput = false; break;
      case 'o':
        if (arg[0] === 'A') {
          if (arg.length === 1) throw new UsageError('-oA requires pathname');
          o.aliasDatabase = arg.slice(1);
        } else if (arg[0] === 'i') {
          o.dotEndsInput = false;
        } // -o7, -o8, -om and other -o x: ignored, as Postfix does
        break;
      case 'q':
        if (/^\d/.test(arg)) o.queueInterval = arg;
        else if (arg[0] === 'R') o.flushSite = arg.slice(1) || fail('specify: -qRsitename');
        else if (arg[0] === 'I') o.flushId = arg.slice(1) || fail('specify: -qIqueueid');
        else throw new UsageError(`-q${arg[0] ?? ''} is not implemented`);
        break;
      case 'R':
        // Sendmail's RET=; Postfix ignores -R (a return size limit). Other values: ignored.
        if (/^full$/i.test(arg)) o.ret = DSN_RET.FULL;
        else if (/^hdrs$/i.test(arg)) o.ret = DSN_RET.HDRS;
        break;
      case 't': o.extract = true; break;
      case 'v': o.verbose++; break;
      default: break; // -A -L -O -U -c -e -h -m -p -x: ignored
    }
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-q') {
      if (o.mode === 'daemon') o.warnings.push('ignoring -q option in daemon mode');
      else o.mode = 'flush';
      continue;
    }
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-') || arg === '-') break;
    if (/^-V..$/.test(arg)) throw new UsageError(VERP);
    for (let k = 1; k < arg.length; k++) {
      const c = arg[k] as string;
      if (WITH_ARG.includes(c)) {
        let value = arg.slice(k + 1);
        if (value === '') {
          const next = argv[++i];
          if (next === undefined) throw new UsageError(`usage: ${progName} [options]`);
          value = next;
        }
        option(c, value);
        break;
      }
      if (!NO_ARG.includes(c)) throw new UsageError(`usage: ${progName} [options]`);
      option(c, '');
    }
  }
  o.recipients = argv.slice(i);
  checkConflicts(o);
  return o;
}

function fail(text: string): never {
  throw new UsageError(text);
}

/** checkConflicts - the combinations Postfix refuses, with its wording. */
function checkConflicts(o: SendmailOptions): void {
  if (o.extract && o.mode !== 'enqueue') fail('-t can be used only in delivery mode');
  if (o.flushSite !== undefined && o.mode !== 'enqueue') fail('-qR can be used only in delivery mode');
  if (o.flushId !== undefined && o.mode !== 'enqueue') fail('-qI can be used only in delivery mode');
  if (o.mode === 'verify' && o.extract) fail('-t option cannot be used with -bv');
  // One -v asks for a delivery report; more than one means verbose logging.
  if (o.verbose === 1 && o.mode === 'enqueue') {
    o.verbose = 0;
    o.deliveryReport = true;
  }
  const none: Partial<Record<SendmailMode, string>> = {
    mailq: 'display queue mode requires no recipient',
    flush: 'flush queue mode requires no recipient',
    daemon: 'daemon mode requires no recipient',
    newaliases: 'alias initialization mode requires no recipient',
    smtp: 'stand-alone mode requires no recipient',
  };
  const text = none[o.mode];
  if (text && o.recipients.length > 0) fail(text);
  if (o.mode === 'enqueue' && o.recipients.length > 0) {
    if (o.flushSite !== undefined) fail('flush site requires no recipient');
    if (o.flushId !== undefined) fail('flush queue_id requires no recipient');
  }
}
