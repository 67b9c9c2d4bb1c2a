/*
 * service/args - the command line master gives a daemon, as Postfix's master does:
 *   main.js -n SERVICE -t TYPE [-u] [-s COUNT] [-v] [-o name=value ...] [args from master.cf]
 * -u: drop privileges to mail_owner (unpriv field not `n`); -s: number of inherited sockets.
 * The configuration directory travels in MAIL_CONFIG. formatServiceArgs is master's side,
 * parseServiceArgs the skeleton's; unknown words are left to the daemon in `args`, and so is
 * everything from the first word that is not an option on (getopt(3), as Postfix's daemons).
 */
import { SERVICE_TYPES, type ServiceType } from '../config/mastercf.js';

export interface ServiceArgs {
  /** master.cf service name (`smtp`, `127.0.0.1:2525`). */
  service: string;
  type: ServiceType;
  /** Run as mail_owner when started as root. */
  unpriv: boolean;
  /** Number of inherited listening sockets (fd 3 and up). */
  sockets: number;
  verbose: boolean;
  /** `-o` overrides, in order. */
  overrides: Record<string, string>;
  /** Everything else, for the daemon (`-v` of smtpd, `flags=` of pipe...). */
  args: string[];
}

/** formatServiceArgs - the argv master passes to a daemon. */
export function formatServiceArgs(a: ServiceArgs): string[] {
  const out = ['-n', a.service, '-t', a.type];
  if (a.unpriv) out.push('-u');
  if (a.sockets !== 1) out.push('-s', String(a.sockets));
  if (a.verbose) out.push('-v');
  for (const [k, v] of Object.entries(a.overrides)) out.push('-o', `${k}=${v}`);
  return [...out, ...a.args];
}

/** parseServiceArgs - the skeleton's view of its argv; throws on a malformed flag. */
export function parseServiceArgs(argv: readonly string[]): ServiceArgs {
  const a: ServiceArgs = { service: '', type: 'unix', unpriv: false, sockets: 1, verbose: false, overrides: {}, args: [] };
  for (let i = 0; i < argv.length; i++) {
    const w = argv[i] as string;
    // getopt(3): the first word that is not an option ends the options (pipe's argv= may hold `-v`).
    if (!w.startsWith('-')) {
      a.args.push(...argv.slice(i));
      break;
    }
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`option ${w} requires an argument`);
      return v;
    };
    switch (w) {
      case '-n': a.service = value(); break;
      case '-t': {
        const t = value();
        if (!(SERVICE_TYPES as readonly string[]).includes(t)) throw new Error(`bad service type: ${t}`);
        a.type = t as ServiceType;
        break;
      }
      case '-u': a.unpriv = true; break;
      case '-s': {
        const n = Number(value());
        if (!Number.isInteger(n) || n < 0) throw new Error(`bad socket count: ${argv[i]}`);
        a.sockets = n;
        break;
      }
      case '-v': a.verbose = true; break;
      case '-o': {
        const o = value();
        const eq = o.indexOf('=');
        if (eq <= 0) throw new Error(`-o needs name=value, got "${o}"`);
        a.overrides[o.slice(0, eq).trim()] = o.slice(eq + 1).trim();
        break;
      }
      default: a.args.push(w);
    }
  }
  return a;
}
