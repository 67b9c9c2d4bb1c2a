/*
 * lib - what the hostile-input tests share: a raw SMTP client that can send anything
 * (bytes, floods, one byte at a time) and read replies as they come; a seeded random
 * generator (the same bytes on every run, so a failure can be replayed); and the checks
 * run after every attack: a normal client still gets its mail queued, no daemon died
 * (log and master's child table), and smtpd's memory stayed bounded.
 * The instance itself is test/smtpd/instance.ts (master, smtpd, cleanup, trivial-rewrite).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { logMessages, type SmtpInstance } from '../smtpd/instance.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** RawClient - a socket that writes whatever it is told and splits what comes back into replies. */
export class RawClient {
  private buf = '';
  private waiters: (() => void)[] = [];
  closed = false;
  /** Every complete reply line received, in order. */
  readonly lines: string[] = [];
  private taken = 0;

  private constructor(private readonly sock: net.Socket) {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      let i: number;
      while ((i = this.buf.indexOf('\r\n')) >= 0) {
        this.lines.push(this.buf.slice(0, i));
        this.buf = this.buf.slice(i + 2);
      }
      this.wake();
    });
    sock.on('close', () => {
      this.closed = true;
      this.wake();
    });
    sock.on('error', () => {});
  }

  /** connect - a connection; `early` is written at once, without waiting for anything. */
  static connect(port: number, early?: string): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const sock = net.createConnection(port, '127.0.0.1');
      const c = new RawClient(sock);
      if (early !== undefined) sock.write(early);
      sock.once('connect', () => resolve(c));
      sock.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** write - raw bytes; false when the socket is gone. */
  write(data: string | Buffer): boolean {
    if (this.closed || this.sock.destroyed) return false;
    this.sock.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    return true;
  }

  /** reply - the next whole reply (its last line), or '' when the server closed or `ms` passed. */
  async reply(ms = 15_000): Promise<string> {
    const end = Date.now() + ms;
    for (;;) {
      while (this.taken < this.lines.length) {
        const l = this.lines[this.taken++] as string;
        if (/^\d{3} /.test(l) || !/^\d{3}-/.test(l)) return l;
      }
      if (this.closed || Date.now() >= end) return '';
      await this.changed(end - Date.now());
    }
  }

  /** command - write a line with CRLF and return its reply. */
  async command(line: string, ms?: number): Promise<string> {
    this.write(`${line}\r\n`);
    return this.reply(ms);
  }

  /** waitClosed - true when the server closed the connection within `ms`. */
  async waitClosed(ms = 10_000): Promise<boolean> {
    const end = Date.now() + ms;
    while (!this.closed && Date.now() < end) await this.changed(end - Date.now());
    return this.closed;
  }

  /** settle - wait until nothing has arrived for `quietMs` (or the socket closed). */
  async settle(quietMs = 500, maxMs = 20_000): Promise<void> {
    const end = Date.now() + maxMs;
    let seen = -1;
    while (!this.closed && Date.now() < end && seen !== this.lines.length) {
      seen = this.lines.length;
      await this.changed(quietMs);
    }
  }

  destroy(): void {
    this.sock.destroy();
  }
}

/** greeted - connected and past the 220 greeting and EHLO. */
export async function greeted(si: SmtpInstance, ehlo = true): Promise<RawClient> {
  const c = await RawClient.connect(si.port);
  assert.match(await c.reply(), /^220 /);
  if (ehlo) assert.match(await c.command('EHLO client.example.net'), /^250 /);
  return c;
}

/** rng - the seeded generator of @mailroom/global/testing: random input is the same on every run. */
export { seededRandom as rng } from '@mailroom/global/testing';

/** randomBytes - `n` bytes from `next`. */
export function randomBytes(next: () => number, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256);
  return b;
}

/** sendOne - a well-behaved client delivers one message; its final reply. */
export async function sendOne(si: SmtpInstance, subject = 'still served'): Promise<string> {
  const c = await greeted(si);
  try {
    assert.equal(await c.command('MAIL FROM:<good@remote.example>'), '250 2.1.0 Ok');
    assert.equal(await c.command('RCPT TO:<alice@example.test>'), '250 2.1.5 Ok');
    assert.match(await c.command('DATA'), /^354 /);
    return await c.command(`Subject: ${subject}\r\n\r\nhello\r\n.`);
  } finally {
    c.write('QUIT\r\n');
    c.destroy();
  }
}

/** assertServed - a normal client still gets `250 2.0.0 Ok: queued as ID`. */
export async function assertServed(si: SmtpInstance, what: string): Promise<void> {
  assert.match(await sendOne(si, `after ${what}`), /^250 2\.0\.0 Ok: queued as \w+$/, `a normal client is served after ${what}`);
}

/** Log lines that mean a daemon died or hit a bug. */
const CRASH = /(^|\s)(fatal|panic):|process \S+ pid \d+ (exit status|killed by signal)|bad command startup|Uncaught|unhandled|internal error/i;

/** crashLines - log lines telling of a crash or an internal error. */
export function crashLines(si: SmtpInstance): string[] {
  return logMessages(si).filter((l) => CRASH.test(l));
}

/** childPids - master's children whose command line contains `program` (e.g. 'smtpd/dist'). */
export function childPids(si: SmtpInstance, program: string): number[] {
  const master = si.master?.pid;
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== master) continue;
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(program)) out.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** rssMb - resident memory of a process in MB (0 when it is gone). */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Generous bound on one smtpd process: Node itself takes ~60 MB; buffering a flood would take far more. */
export const RSS_LIMIT_MB = 256;

/** assertHealthy - nothing crashed, the first smtpd still runs, and none is over RSS_LIMIT_MB. */
export function assertHealthy(si: SmtpInstance, firstSmtpd: number | undefined, what: string): void {
  assert.deepEqual(crashLines(si), [], `no daemon crashed during ${what}`);
  if (firstSmtpd !== undefined) assert.ok(fs.existsSync(`/proc/${firstSmtpd}`), `smtpd pid ${firstSmtpd} survived ${what}`);
  for (const pid of childPids(si, 'smtpd/dist')) {
    const mb = rssMb(pid);
    assert.ok(mb < RSS_LIMIT_MB, `smtpd pid ${pid} RSS ${mb.toFixed(0)} MB after ${what} (limit ${RSS_LIMIT_MB} MB)`);
  }
}

/** firstSmtpd - the pid of the smtpd process serving now (after one connection). */
export async function firstSmtpd(si: SmtpInstance): Promise<number | undefined> {
  await assertServed(si, 'start');
  return childPids(si, 'smtpd/dist')[0];
}
