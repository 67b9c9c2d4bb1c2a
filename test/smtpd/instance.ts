/*
 * instance - a whole Mailroom instance for the smtpd end-to-end tests: master with smtpd
 * on a free loopback port, cleanup and trivial-rewrite (no qmgr: accepted mail stays in
 * incoming/ to be looked at), DNS answered by a zone server on loopback (dns_servers), and
 * `mynetworks` set so that 127.0.0.1 is an outside client unless a test says otherwise.
 * The instance itself comes from the submission tests' helper (config, `postfix check`,
 * master, queue readers); this file adds the SMTP side: swaks, Python's smtplib, raw
 * sockets and smtp-source.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DnsZoneServer, type Zone } from '@mailroom/global';
import { freePort } from '../master/instance.js';
import { cleanup, logMessages, makeInstance, startMaster, waitFor, type Instance } from '../submission/instance.js';

export { logMessages, queueFiles, readQueued, waitFor, waitIncoming } from '../submission/instance.js';

export interface SmtpInstance extends Instance {
  port: number;
  dns: DnsZoneServer;
}

/**
 * startSmtpInstance - config, users table, DNS zone, master running; `mainCf` lines go last.
 * `setup` runs before master starts (write certificates, tables) and may return more
 * master.cf lines (extra listeners, e.g. with `-o smtpd_tls_wrappermode=yes`).
 */
export async function startSmtpInstance(mainCf = '', zone: Zone = {}, setup?: (inst: Instance) => string[] | void): Promise<SmtpInstance> {
  const dns = new DnsZoneServer(zone);
  const dnsPort = await dns.start();
  const port = await freePort();
  const inst = makeInstance(
    [
      'mydestination = $myhostname, localhost, example.test',
      'mynetworks = 192.0.2.0/24',
      `dns_servers = 127.0.0.1:${dnsPort}`,
      'smtpd_error_sleep_time = 0s',
      mainCf,
    ].join('\n'),
  );
  fs.writeFileSync(path.join(inst.etc, 'users'), 'alice ok\nbob ok\n', { mode: 0o644 });
  fs.appendFileSync(path.join(inst.etc, 'main.cf'), `local_recipient_maps = proxy:unix:passwd.byname texthash:${inst.etc}/users\n`);
  fs.appendFileSync(path.join(inst.etc, 'master.cf'), `127.0.0.1:${port} inet n - n - - smtpd\n`);
  const more = setup?.(inst) ?? [];
  if (more.length > 0) fs.appendFileSync(path.join(inst.etc, 'master.cf'), `${more.join('\n')}\n`);
  const si: SmtpInstance = { ...inst, port, dns };
  await startMaster(si);
  return si;
}

/** stopSmtpInstance - kill everything started, remove the files. */
export async function stopSmtpInstance(si: SmtpInstance): Promise<void> {
  cleanup(si);
  await si.dns.stop();
}

/** run - a peer program, asynchronously: the DNS zone server lives in this process and must keep answering. */
function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ status: number | null; out: string; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      resolve({ status, out: `${stdout}${stderr}`, stdout, stderr });
    });
  });
}

/** swaks - run swaks against the instance; output and exit status. */
export async function swaks(si: SmtpInstance, args: string[]): Promise<{ status: number | null; out: string }> {
  return run('swaks', ['--server', `127.0.0.1:${si.port}`, '--helo', 'client.example.net', '--timeout', '20', ...args], 30_000);
}

/** python - run a Python 3 script with the port as argv[1]; its stdout parsed as JSON. */
export async function python<T>(si: SmtpInstance, script: string): Promise<T> {
  const r = await run('python3', ['-c', script, String(si.port)], 30_000);
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/**
 * rawSession - send `chunks` one by one over a plain socket, each after the previous
 * reply when `waitEach`, and collect every reply line until the server closes or
 * `settleMs` pass without data.
 */
export function rawSession(si: SmtpInstance, chunks: (string | Buffer)[], settleMs = 1500): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const sock = net.createConnection(si.port, '127.0.0.1');
    let buf = '';
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      sock.destroy();
      resolve(buf.split('\r\n').filter(Boolean));
    };
    const arm = (): void => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(done, settleMs);
    };
    let next = 0;
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      buf += d;
      // One chunk per reply received: the client waits for each answer, as real ones do.
      const replies = buf.split('\r\n').filter((l) => /^\d{3} /.test(l)).length;
      while (next < chunks.length && next < replies) sock.write(chunks[next++] as string);
      arm();
    });
    sock.on('close', () => {
      if (timer) clearTimeout(timer);
      resolve(buf.split('\r\n').filter(Boolean));
    });
    sock.on('error', reject);
    arm();
  });
}

/** smtpSource - Postfix's smtp-source; its exit status and output. */
export function smtpSource(si: SmtpInstance, args: string[]): Promise<{ status: number | null; out: string }> {
  return run('smtp-source', [...args, `127.0.0.1:${si.port}`], 120_000);
}

/** hasLog - some log line matches. */
export function hasLog(si: SmtpInstance, re: RegExp): boolean {
  return logMessages(si).some((l) => re.test(l));
}

/** expectLog - wait (daemons log asynchronously) until a log line matches; fails after `ms`, showing the log. */
export async function expectLog(si: SmtpInstance, re: RegExp, ms = 5000): Promise<void> {
  await waitFor(`a log line matching ${re}`, () => hasLog(si, re), ms).catch(() => {
    throw new Error(`no log line matches ${re}:\n${logMessages(si).join('\n')}`);
  });
}
