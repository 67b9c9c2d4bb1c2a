/*
 * attrs - the command attributes at the end of a pipe entry in master.cf, as pipe(8)
 * reads them: flags=BDFORXhqu.> user=name[:group] directory= eol= null_sender= size=
 * and argv=command... (last: everything after it is the command). A bad attribute is a
 * fatal configuration error (the throw becomes `fatal:` in the skeleton). Run as root,
 * user= is required and may name neither root, group 0, nor the mail_owner account.
 * chroot= is not supported (documented in docs/pipe.md) and refused.
 */
import { isRoot, lookupGroup, lookupUser } from '@mailroom/global';

/** The flags of flags=, by letter. */
export interface PipeFlags {
  /** B: empty line after the message. */
  blank: boolean;
  /** D: Delivered-To: (and loop detection). */
  delivered: boolean;
  /** F: mbox `From sender  date` line. */
  fromLine: boolean;
  /** O: X-Original-To:. */
  origRcpt: boolean;
  /** R: Return-Path:. */
  returnPath: boolean;
  /** X: final delivery (success notices say `delivered`, not `relayed`). */
  final: boolean;
  /** h: fold domain parts of $recipient/$original_recipient, and $domain, $nexthop to lower case. */
  foldHost: boolean;
  /** q: quote the local parts of $sender, $recipient, $original_recipient. */
  quote: boolean;
  /** u: fold local parts of $recipient/$original_recipient, and $user, $extension, $mailbox to lower case. */
  foldUser: boolean;
  /** .: dot-stuffing. */
  dot: boolean;
  /** >: `>From ` quoting. */
  quoteFrom: boolean;
}

export interface PipeAttrs {
  flags: PipeFlags;
  /** Rights to run the command with (undefined: ours, when we are not root). */
  uid?: number;
  gid?: number;
  /** user= as written, for log lines. */
  user?: string;
  directory?: string;
  eol: string;
  nullSender: string;
  /** Bytes; 0 = no limit. */
  sizeLimit: number;
  /** The command with its macros unexpanded. */
  argv: string[];
}

const FLAG_LETTERS: Record<string, keyof PipeFlags> = {
  B: 'blank', D: 'delivered', F: 'fromLine', O: 'origRcpt', R: 'returnPath', X: 'final',
  h: 'foldHost', q: 'quote', u: 'foldUser', '.': 'dot', '>': 'quoteFrom',
};

/** unescape - C-style escapes of eol=: \a \b \f \n \r \t \v \ddd \\ (Postfix's unescape). */
export function unescape(text: string): string {
  const simple: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };
  return text.replace(/\\([0-7]{1,3}|.)/gs, (_, c: string) => {
    if (/^[0-7]+$/.test(c)) return String.fromCharCode(parseInt(c, 8) & 0xff);
    return simple[c] ?? c;
  });
}

/** Accounts the command must not run as (mail_owner). */
export interface Forbidden {
  mailOwner: string;
}

/** parseAttrs - the attributes; throws Error with pipe(8)'s wording when one is wrong. */
export function parseAttrs(args: readonly string[], forbidden: Forbidden, root = isRoot()): PipeAttrs {
  const flags = Object.fromEntries(Object.values(FLAG_LETTERS).map((k) => [k, false])) as unknown as PipeFlags;
  const a: PipeAttrs = { flags, eol: '\n', nullSender: 'MAILER-DAEMON', sizeLimit: 0, argv: [] };
  let haveArgv = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(0, eq).toLowerCase() : '';
    const value = arg.slice(eq + 1);
    if (name === 'argv') {
      a.argv = [value, ...args.slice(i + 1)].filter((w, j) => j > 0 || w !== '');
      haveArgv = true;
      break;
    }
    switch (name) {
      case 'flags':
        for (const c of value) {
          const f = FLAG_LETTERS[c];
          if (!f) throw new Error(`unknown flag: ${c} (ignored)`);
          flags[f] = true;
        }
        break;
      case 'user': {
        const [user, group] = value.split(':', 2) as [string, string | undefined];
        const pw = lookupUser(user);
        if (!pw) throw new Error(`get_service_attr: unknown username: ${user}`);
        a.user = value;
        a.uid = pw.uid;
        a.gid = pw.gid;
        if (group) {
          const gid = lookupGroup(group);
          if (gid === undefined) throw new Error(`get_service_attr: unknown group: ${group}`);
          a.gid = gid;
        }
        break;
      }
      case 'directory':
        a.directory = value;
        break;
      case 'eol':
        a.eol = unescape(value);
        break;
      case 'null_sender':
        a.nullSender = value;
        break;
      case 'size':
        if (!/^\d+$/.test(value)) throw new Error(`get_service_attr: bad size= value: ${value}`);
        a.sizeLimit = Number(value);
        break;
      case 'chroot':
        throw new Error('chroot= command-line attribute is not supported');
      default:
        throw new Error(`unknown attribute name: ${arg}`);
    }
  }
  if (!haveArgv || a.argv.length === 0) throw new Error('missing argv= command-line attribute');
  if (a.uid === undefined) {
    if (root) throw new Error('missing user= command-line attribute');
    return a;
  }
  if (a.uid === 0) throw new Error('user= command-line attribute specifies root privileges');
  const owner = lookupUser(forbidden.mailOwner);
  if (owner && a.uid === owner.uid && root) {
    throw new Error(`user= command-line attribute specifies mail system owner ${forbidden.mailOwner}`);
  }
  if (a.gid === 0) throw new Error('user= command-line attribute specifies privileged group id 0');
  return a;
}
