/*
 * test/lib/postfix - a private reference Postfix (Debian's /usr/sbin/postfix) on a
 * loopback port chosen at run time, for tests that need the real thing on the other
 * side and for benchmarks that want a side-by-side figure (see shared PEERS.md, "A
 * private reference Postfix"). Root only: Postfix insists on it.
 *
 *   if (!postfixAvailable()) t.skip(...)
 *   const pf = await startPostfix({ tls: { certFile, keyFile }, mainCf: ['smtpd_tls_security_level = encrypt'] });
 *   ... send to 127.0.0.1:pf.port ...
 *   await pf.waitForLog(/status=sent/); pf.queueCount(); await pf.stop();
 *
 * The instance lives in a temporary directory (`dir`): etc/ with its own main.cf and
 * master.cf (stock services, nothing chrooted), queue/ and data/, and `maillog`
 * (postlogd, no syslog). By default it accepts mail from 127.0.0.0/8 for any domain
 * and discards it (`default_transport = discard:`), so nothing ever leaves the machine;
 * `mainCf` lines come last and override (e.g. `default_transport = smtp` with a
 * `relayhost = [127.0.0.1]:PORT` for a relay benchmark). `hold: true` keeps every
 * accepted message in the hold queue instead (count them with queueCount()).
 * `stop()` stops it (postfix stop, then SIGKILL of master if needed) and removes `dir`.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort, isRoot, waitFor } from './common.js';

export interface PostfixOptions {
  /** Extra main.cf lines, appended last (they override the defaults above). */
  mainCf?: string[];
  /** Extra master.cf lines. */
  masterCf?: string[];
  /** Offer STARTTLS with this certificate and key (smtpd_tls_security_level = may, loglevel 1). */
  tls?: { certFile: string; keyFile: string };
  /** SASL AUTH through a Dovecot auth socket (e.g. DIR/run/auth-client of shared/peers/dovecot-lmtp.sh). */
  dovecotAuthSocket?: string;
  /** Keep accepted mail in the hold queue instead of discarding it. */
  hold?: boolean;
  /** myhostname of the instance (default postfix-ref.test; must differ from the client's). */
  myhostname?: string;
}

export interface PostfixInstance {
  /** The instance's directory: etc/ (config_directory: main.cf, master.cf), queue/, data/, maillog. */
  dir: string;
  /** The config_directory, for `postfix -c`, `postconf -c`, `sendmail -C`. */
  configDir: string;
  /** The smtpd port on 127.0.0.1. */
  port: number;
  logFile: string;
  /** Lines of `maillog` so far. */
  log(): string[];
  /** Wait (15 s at most) until a maillog line matches. */
  waitForLog(re: RegExp, ms?: number): Promise<string>;
  /** Messages in the incoming, active, deferred and hold queues. */
  queueCount(): number;
  stop(): Promise<void>;
}

const POSTFIX = '/usr/sbin/postfix';

/** postfixAvailable - a reference Postfix can run here (root and the postfix package). */
export function postfixAvailable(): boolean {
  return isRoot && fs.existsSync(POSTFIX);
}

/** The stock Debian services, nothing chrooted; smtpd on 127.0.0.1:port. */
function masterCf(port: number, extra: readonly string[]): string {
  return [
    `127.0.0.1:${port} inet n - n - - smtpd`,
    'pickup    unix  n - n 60 1 pickup',
    'cleanup   unix  n - n - 0 cleanup',
    'qmgr      unix  n - n 300 1 qmgr',
    'tlsmgr    unix  - - n 1000? 1 tlsmgr',
    'rewrite   unix  - - n - - trivial-rewrite',
    'bounce    unix  - - n - 0 bounce',
    'defer     unix  - - n - 0 bounce',
    'trace     unix  - - n - 0 bounce',
    'verify    unix  - - n - 1 verify',
    'flush     unix  n - n 1000? 0 flush',
    'proxymap  unix  - - n - - proxymap',
    'proxywrite unix - - n - 1 proxymap',
    'smtp      unix  - - n - - smtp',
    'relay     unix  - - n - - smtp',
    'showq     unix  n - n - - showq',
    'error     unix  - - n - - error',
    'retry     unix  - - n - - error',
    'discard   unix  - - n - - discard',
    'local     unix  - n n - - local',
    'virtual   unix  - n n - - virtual',
    'lmtp      unix  - - n - - lmtp',
    'anvil     unix  - - n - 1 anvil',
    'scache    unix  - - n - 1 scache',
    'postlog   unix-dgram n - n - 1 postlogd',
    ...extra,
    '',
  ].join('\n');
}

/** run - a postfix command; its messages (printed only to a tty) are in maillog. */
function run(dir: string, args: string[]): { status: number; output: string } {
  const r = spawnSync(POSTFIX, ['-c', dir, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** startPostfix - a running private Postfix; throws (after cleaning up) when it cannot start. */
export async function startPostfix(opts: PostfixOptions = {}): Promise<PostfixInstance> {
  if (!postfixAvailable()) throw new Error('a reference Postfix needs root and /usr/sbin/postfix');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-postfix-'));
  fs.chmodSync(dir, 0o755);
  const port = await freePort();
  const logFile = path.join(dir, 'maillog');
  const main = [
    'compatibility_level = 3.6',
    `config_directory = ${dir}/etc`,
    `queue_directory = ${dir}/queue`,
    `data_directory = ${dir}/data`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    `myhostname = ${opts.myhostname ?? 'postfix-ref.test'}`,
    'inet_interfaces = 127.0.0.1',
    'inet_protocols = ipv4',
    'mynetworks = 127.0.0.0/8',
    'mydestination =',
    'relay_domains =',
    'alias_maps =',
    'alias_database =',
    'local_recipient_maps =',
    'smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, reject',
    'smtp_dns_support_level = disabled',
    'default_transport = discard:',
    'relay_transport = discard:',
    `maillog_file = ${logFile}`,
    `maillog_file_prefixes = ${dir}`,
    'biff = no',
  ];
  if (opts.tls) {
    main.push(
      `smtpd_tls_cert_file = ${opts.tls.certFile}`, `smtpd_tls_key_file = ${opts.tls.keyFile}`,
      'smtpd_tls_security_level = may', 'smtpd_tls_loglevel = 1', 'smtpd_tls_received_header = yes',
    );
  }
  if (opts.dovecotAuthSocket) {
    main.push('smtpd_sasl_auth_enable = yes', 'smtpd_sasl_type = dovecot', `smtpd_sasl_path = ${opts.dovecotAuthSocket}`);
  }
  if (opts.hold) main.push('smtpd_data_restrictions = check_client_access static:HOLD');
  main.push(...(opts.mainCf ?? []), '');
  const configDir = path.join(dir, 'etc');
  fs.mkdirSync(configDir);
  fs.writeFileSync(path.join(configDir, 'main.cf'), main.join('\n'));
  fs.writeFileSync(path.join(configDir, 'master.cf'), masterCf(port, opts.masterCf ?? []));
  fs.mkdirSync(path.join(dir, 'data'));
  fs.mkdirSync(path.join(dir, 'queue'), { mode: 0o755 });
  execFileSync('chown', ['postfix:postfix', path.join(dir, 'data')]);

  let stopped = false;
  const inst: PostfixInstance = {
    dir, configDir, port, logFile,
    log() {
      try {
        return fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    async waitForLog(re, ms = 15_000) {
      let hit: string | undefined;
      await waitFor(`a Postfix log line matching ${re}`, () => (hit = inst.log().find((l) => re.test(l))) !== undefined, ms);
      return hit as string;
    },
    queueCount() {
      let n = 0;
      const walk = (d: string): void => {
        let names: fs.Dirent[];
        try {
          names = fs.readdirSync(d, { withFileTypes: true });
        } catch {
          return;
        }
        for (const e of names) {
          if (e.isDirectory()) walk(path.join(d, e.name));
          else n++;
        }
      };
      for (const q of ['incoming', 'active', 'deferred', 'hold']) walk(path.join(dir, 'queue', q));
      return n;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      run(configDir, ['stop']);
      const pidFile = path.join(dir, 'queue', 'pid', 'master.pid');
      try {
        const pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
        await waitFor('Postfix master to exit', () => {
          try {
            process.kill(pid, 0);
            return false;
          } catch {
            return true;
          }
        }, 10_000).catch(() => {
          try {
            process.kill(-pid, 'SIGKILL');
          } catch {
            // gone
          }
        });
      } catch {
        // never started
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    const check = run(configDir, ['check']);
    if (check.status !== 0) throw new Error(`postfix check failed: ${check.output}${inst.log().join('\n')}`);
    const start = run(configDir, ['start']);
    if (start.status !== 0) throw new Error(`postfix start failed: ${start.output}\n${inst.log().join('\n')}`);
    await waitFor(`Postfix smtpd on 127.0.0.1:${port}`, () => new Promise<boolean>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    }));
  } catch (err) {
    if (process.env.MAILROOM_KEEP_POSTFIX) stopped = true;
    await inst.stop();
    throw err;
  }
  return inst;
}
