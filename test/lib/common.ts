/*
 * test/lib/common - what every end-to-end harness shares: where the build lives, free
 * ports, polling with a deadline, reading the JSON log back, and killing a master's whole process group.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(fileURLToPath(new URL('../../../', import.meta.url)));
export const MASTER = path.join(ROOT, 'packages/master/dist/main.js');
export const BIN = path.join(ROOT, 'bin');
export const isRoot = process.getuid?.() === 0;

/** freePort - a TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** waitFor - poll until `pred` holds; fails naming `what` after `ms`. */
export async function waitFor(what: string, pred: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** logFileMessages - the `msg` of every JSON line in a log file (none if it does not exist yet). */
export function logFileMessages(file: string): string[] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => {
      try {
        return String((JSON.parse(l) as { msg?: unknown }).msg ?? '');
      } catch {
        return '';
      }
    });
}

/** killGroup - SIGKILL a detached process and its group (master and every daemon). */
export function killGroup(pid: number | undefined): void {
  if (!pid) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** baseMainCf - the main.cf lines every test instance starts from. */
export function baseMainCf(spool: string, logFile: string, extra: string[] = []): string[] {
  return [
    `queue_directory = ${spool}`,
    `maillog_file = ${logFile}`,
    'mail_owner = nobody',
    ...extra,
    'inet_interfaces = loopback-only',
    'inet_protocols = ipv4',
    'service_throttle_time = 1s',
  ];
}

/** The master.cf line of each usual service, as etc/master.cf has it (for test instances). */
export const SERVICE_LINES: Readonly<Record<string, string>> = {
  pickup: 'pickup    unix  n       -       n       60      1       pickup',
  cleanup: 'cleanup   unix  n       -       n       -       0       cleanup',
  qmgr: 'qmgr      unix  n       -       n       300     1       qmgr',
  rewrite: 'rewrite   unix  -       -       n       -       -       trivial-rewrite',
  bounce: 'bounce    unix  -       -       n       -       0       bounce',
  defer: 'defer     unix  -       -       n       -       0       bounce',
  trace: 'trace     unix  -       -       n       -       0       bounce',
  showq: 'showq     unix  n       -       n       -       -       showq',
  smtp: 'smtp      unix  -       -       n       -       -       smtp',
  relay: 'relay     unix  -       -       n       -       -       smtp',
  local: 'local     unix  -       n       n       -       -       local',
  virtual: 'virtual   unix  -       n       n       -       -       virtual',
  error: 'error     unix  -       -       n       -       -       error',
  retry: 'retry     unix  -       -       n       -       -       error',
  discard: 'discard   unix  -       -       n       -       -       discard',
};

/** masterCf - master.cf text with these services' lines (SERVICE_LINES). */
export function masterCf(services: readonly string[]): string {
  return `${services.map((s) => SERVICE_LINES[s] ?? `unknown service ${s}`).join('\n')}\n`;
}
