/*
 * testing - an smtpd for the package's tests: the real SMTP engine and restrictions on a
 * loopback port, with trivial-rewrite and cleanup replaced by small fakes and DNS served
 * by global's DnsZoneServer; plus a raw SMTP client that sends bytes exactly as given.
 * Not used by the daemon. End-to-end tests with the real daemons live in test/smtpd/.
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import {
  createLogger,
  DnsZoneServer,
  loadConfig,
  splitAddress,
  RESOLVE_FLAG,
  type AddressClass,
  type CleanupBegin,
  type CleanupDone,
  type ResolveReply,
  type Zone,
} from '@mailroom/global';
import type { CleanupSink, OpenCleanup } from './cleanup-sink.js';
import { MailroomSmtpServer } from './server.js';
import { createService, type SmtpdService } from './services.js';

/** A message as the fake cleanup saw it. */
export interface Captured {
  begin: CleanupBegin;
  queueId: string;
  content: Buffer[];
  finished: boolean;
  aborted: boolean;
}

/** fakeResolve - address classes by domain, as trivial-rewrite would answer for the test main.cf. */
export function fakeResolve(classes: Record<string, AddressClass>): (sender: string, address: string) => Promise<ResolveReply> {
  return async (_sender, address) => {
    const { local, domain } = splitAddress(address);
    const cls = classes[domain.toLowerCase()] ?? 'default';
    const routed = /[@%!]/.test(local) ? RESOLVE_FLAG.ROUTED : 0;
    return { op: 'resolve', class: cls, transport: cls === 'default' ? 'smtp' : cls, nexthop: domain, recipient: address, flags: routed };
  };
}

/** fakeCleanup - records messages; `verdict` decides the done reply. */
export function fakeCleanup(messages: Captured[], verdict: (m: Captured) => Partial<CleanupDone> = () => ({})): OpenCleanup {
  let n = 0;
  return async (begin) => {
    const m: Captured = { begin, queueId: `TEST${++n}`, content: [], finished: false, aborted: false };
    messages.push(m);
    const sink: CleanupSink = {
      queueId: m.queueId,
      write: async (chunk) => {
        m.content.push(Buffer.from(chunk));
      },
      finish: async () => {
        m.finished = true;
        return { type: 'done', queueId: m.queueId, status: 'ok', ...verdict(m) };
      },
      abort: () => {
        if (!m.finished) m.aborted = true;
      },
    };
    return sink;
  };
}

export interface Harness {
  dir: string;
  port: number;
  svc: SmtpdService;
  messages: Captured[];
  zone: DnsZoneServer;
  /** The `msg` of every log line so far. */
  logs(): string[];
  close(): Promise<void>;
}

/** startSmtpd - an smtpd on 127.0.0.1 with `mainCf` over the test defaults. */
export async function startSmtpd(mainCf: Record<string, string> = {}, zone: Zone = {}, verdict?: (m: Captured) => Partial<CleanupDone>): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-smtpd-'));
  const dns = new DnsZoneServer(zone);
  const dnsPort = await dns.start();
  fs.writeFileSync(path.join(dir, 'users'), 'alice x\nbob x\n');
  const settings: Record<string, string> = {
    queue_directory: dir,
    myhostname: 'mx.example.com',
    mydomain: 'example.com',
    mydestination: 'example.com, localhost',
    mynetworks: '10.0.0.0/8',
    alias_maps: '',
    local_recipient_maps: `texthash:${path.join(dir, 'users')}`,
    dns_servers: `127.0.0.1:${dnsPort}`,
    smtpd_error_sleep_time: '0s',
    ...mainCf,
  };
  fs.writeFileSync(path.join(dir, 'main.cf'), Object.entries(settings).map(([k, v]) => `${k} = ${v}\n`).join(''));
  const logFile = path.join(dir, 'maillog');
  const log = createLogger({ service: 'smtpd', file: logFile, sync: true });
  const messages: Captured[] = [];
  const svc = createService(loadConfig({ configDir: dir }), 'smtp', log, {
    resolve: fakeResolve({ 'example.com': 'local', localhost: 'local', 'relay.example': 'relay', 'virtual.example': 'virtual', 'alias.example': 'alias' }),
    openCleanup: fakeCleanup(messages, verdict),
  });
  const engine = new MailroomSmtpServer(svc);
  const listener = net.createServer((sock) => engine.connect(sock));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  return {
    dir,
    port,
    svc,
    messages,
    zone: dns,
    logs: () => {
      try {
        return fs.readFileSync(logFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => String((JSON.parse(l) as { msg: unknown }).msg));
      } catch {
        return [];
      }
    },
    close: async () => {
      for (const c of engine.connections) c.close();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
      await dns.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * SmtpClient - a raw client: send bytes as given, read whole (multi-line) replies; it can
 * switch to TLS in mid-session (STARTTLS) or start with it (implicit TLS). Also used by
 * the end-to-end tests (`@mailroom/smtpd/testing`).
 */
export class SmtpClient {
  private buf = '';
  private waiting: (() => void) | undefined;
  closed = false;

  private constructor(private sock: net.Socket) {
    this.listen(sock);
  }

  private listen(sock: net.Socket): void {
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      this.buf += d;
      this.waiting?.();
    });
    sock.on('close', () => {
      this.closed = true;
      this.waiting?.();
    });
    sock.on('error', () => {});
  }

  /** connect - to 127.0.0.1:port; with `implicitTls`, TLS from the first byte (any certificate). */
  static connect(port: number, implicitTls = false): Promise<SmtpClient> {
    return new Promise((resolve, reject) => {
      const sock = implicitTls
        ? tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => resolve(new SmtpClient(sock)))
        : net.createConnection(port, '127.0.0.1', () => resolve(new SmtpClient(sock)));
      sock.once('error', reject);
    });
  }

  /** startTls - the TLS handshake on this connection, after the server's 220 to STARTTLS. */
  startTls(servername = 'localhost'): Promise<void> {
    const raw = this.sock;
    raw.removeAllListeners('data');
    raw.removeAllListeners('close');
    return new Promise((resolve, reject) => {
      const s = tls.connect({ socket: raw, rejectUnauthorized: false, servername }, () => resolve());
      s.once('error', reject);
      this.sock = s;
      this.listen(s);
    });
  }

  /** tlsSocket - the TLS socket, once TLS is on. */
  get tlsSocket(): tls.TLSSocket | undefined {
    return this.sock instanceof tls.TLSSocket ? this.sock : undefined;
  }

  send(data: string | Buffer): void {
    this.sock.write(data);
  }

  /** reply - the next reply (lines joined with \n), or '' when the connection closed first. */
  async reply(timeoutMs = 5000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = /^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\r?\n/.exec(this.buf);
      if (m) {
        this.buf = this.buf.slice(m[0].length);
        return m[0].replace(/\r/g, '').trimEnd();
      }
      if (this.closed) return '';
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no SMTP reply within ${timeoutMs} ms (have: ${JSON.stringify(this.buf)})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.waiting = undefined;
    }
  }

  /** command - send a line (CRLF added) and read its reply. */
  async command(line: string): Promise<string> {
    this.send(`${line}\r\n`);
    return this.reply();
  }

  /** waitClosed - resolves when the server has closed the connection. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    return this.closed;
  }

  end(): void {
    this.sock.destroy();
  }
}
