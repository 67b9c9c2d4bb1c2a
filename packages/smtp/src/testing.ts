/*
 * testing - helpers for this package's tests (not part of the agent): a scripted
 * SMTP/LMTP server on loopback whose replies a test chooses (SIZE, SMTPUTF8, STARTTLS,
 * per-recipient LMTP replies, dead connections), and an agent context over a
 * throw-away spool with queue files written by QueueFileWriter.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { execFileSync } from 'node:child_process';
import {
  createLogger, createSpool, loadConfig, QueueFileWriter, readQueueFile, type DeliverRequest, type ServiceContext,
} from '@mailroom/global';
import { createAgentState, type AgentState } from './deliver.js';

export interface FakeOptions {
  lmtp?: boolean;
  greeting?: string;
  /** Name in the EHLO reply. */
  name?: string;
  extensions?: string[];
  /** Reply to EHLO/LHLO instead of the capability list. */
  ehlo?: string;
  mail?: string;
  rcpt?: (address: string) => string;
  data?: string;
  /** Reply(ies) after the final dot: one for SMTP, one per accepted recipient for LMTP. */
  dot?: (rcpts: string[]) => string[];
  tls?: { key: string; cert: string };
  /** Answer STARTTLS with 220, then talk nonsense instead of TLS (a broken TLS stack). */
  brokenTls?: boolean;
  /** Close the connection instead of answering this command (e.g. `RCPT`). */
  dropAt?: string;
  /** Stop answering at this command (timeouts). */
  silentAt?: string;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** Offer AUTH with these mechanisms (PLAIN, LOGIN, CRAM-MD5) and accept this user and password. */
  auth?: { mechanisms: string[]; user: string; password: string };
}

export interface FakeMessage {
  mail: string;
  rcpts: string[];
  /** The DATA bytes as received (still dot-stuffed), without the final ".CRLF". */
  data: string;
  tls: boolean;
}

/** FakeServer - a scripted SMTP/LMTP server. */
export class FakeServer {
  readonly commands: string[] = [];
  readonly messages: FakeMessage[] = [];
  /** Users that authenticated. */
  readonly authenticated: string[] = [];
  connections = 0;
  port = 0;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor(readonly opts: FakeOptions = {}) {
    this.server = net.createServer((sock) => this.serve(sock));
  }

  async start(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, this.opts.host ?? '127.0.0.1', resolve));
    this.port = (this.server.address() as net.AddressInfo).port;
    return this.port;
  }

  /** hangUp - close every open connection (the server side of an idle timeout). */
  hangUp(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.hangUp();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(raw: net.Socket): void {
    this.connections++;
    const o = this.opts;
    let sock: net.Socket = raw;
    this.sockets.add(raw);
    raw.on('close', () => this.sockets.delete(raw));
    raw.on('error', () => {});
    let buf = '';
    let inData = false;
    let secure = false;
    let msg: FakeMessage = { mail: '', rcpts: [], data: '', tls: false };
    /** An AUTH exchange in progress: what the next client line answers. */
    let authStep: { mech: string; user?: string; challenge?: string } | undefined;
    const checkAuth = (user: string, ok: boolean): void => {
      authStep = undefined;
      if (ok && user === o.auth?.user) {
        this.authenticated.push(user);
        say('235 2.7.0 Authentication successful');
      } else say('535 5.7.8 Error: authentication failed: authentication failure');
    };
    let accepted: string[] = [];
    const say = (...lines: string[]): void => {
      sock.write(lines.map((l) => `${l}\r\n`).join(''));
    };
    const onData = (chunk: Buffer): void => {
      buf += chunk.toString('latin1');
      for (;;) {
        if (inData) {
          const end = buf.indexOf('\r\n.\r\n');
          const atStart = buf.startsWith('.\r\n');
          if (end < 0 && !atStart) return;
          msg.data = atStart ? '' : buf.slice(0, end + 2);
          buf = buf.slice(atStart ? 3 : end + 5);
          inData = false;
          this.messages.push(msg);
          say(...(o.dot ? o.dot(accepted) : [o.lmtp ? '250 2.0.0 Ok' : '250 2.0.0 Ok: queued as FAKE1']).slice(0, o.lmtp ? accepted.length : 1));
          continue;
        }
        const nl = buf.indexOf('\r\n');
        if (nl < 0) return;
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 2);
        this.commands.push(line);
        if (authStep && o.auth) {
          const text = Buffer.from(line, 'base64').toString('latin1');
          if (authStep.mech === 'LOGIN' && authStep.user === undefined) {
            authStep.user = text;
            say('334 UGFzc3dvcmQ6');
          } else if (authStep.mech === 'LOGIN') checkAuth(authStep.user ?? '', text === o.auth.password);
          else if (authStep.mech === 'PLAIN') {
            const [, u, pw] = text.split('\0');
            checkAuth(u ?? '', pw === o.auth.password);
          } else {
            const [u, digest] = text.split(' ');
            const want = crypto.createHmac('md5', o.auth.password).update(authStep.challenge ?? '').digest('hex');
            checkAuth(u ?? '', digest === want);
          }
          continue;
        }
        const verb = line.split(/[\s:]/)[0]?.toUpperCase() ?? '';
        if (o.dropAt === verb) {
          sock.destroy();
          return;
        }
        if (o.silentAt === verb) {
          raw.removeAllListeners('data');
          return;
        }
        if (verb === 'EHLO' || verb === 'LHLO') {
          const ext = [...(o.extensions ?? ['PIPELINING', '8BITMIME', 'DSN', 'ENHANCEDSTATUSCODES'])];
          if ((o.tls || o.brokenTls) && !secure) ext.push('STARTTLS');
          if (o.auth) ext.push(`AUTH ${o.auth.mechanisms.join(' ')}`);
          if (o.ehlo) say(o.ehlo);
          else say(...[o.name ?? 'fake.example', ...ext].map((t, i, a) => `250${i === a.length - 1 ? ' ' : '-'}${t}`));
        } else if (verb === 'HELO') say(`250 ${o.name ?? 'fake.example'}`);
        else if (verb === 'STARTTLS' && o.brokenTls && !secure) {
          say('220 2.0.0 Ready to start TLS', 'this is not a TLS handshake');
          sock.end();
          return;
        } else if (verb === 'STARTTLS' && o.tls) {
          say('220 2.0.0 Ready to start TLS');
          raw.removeListener('data', onData);
          const t = new tls.TLSSocket(raw, { isServer: true, key: o.tls.key, cert: o.tls.cert });
          t.on('error', () => {});
          t.on('data', onData);
          sock = t;
          secure = true;
          return;
        } else if (verb === 'AUTH' && o.auth) {
          const [, mechWord, initial] = line.split(' ');
          const mech = (mechWord ?? '').toUpperCase();
          if (!o.auth.mechanisms.includes(mech)) say('504 5.5.4 Unsupported authentication mechanism');
          else if (mech === 'PLAIN' && initial) {
            const [, u, pw] = Buffer.from(initial, 'base64').toString('latin1').split('\0');
            checkAuth(u ?? '', pw === o.auth.password);
          } else if (mech === 'PLAIN') {
            authStep = { mech };
            say('334 ');
          } else if (mech === 'LOGIN') {
            authStep = { mech };
            say('334 VXNlcm5hbWU6');
          } else {
            authStep = { mech, challenge: `<${Date.now()}.1@fake.example>` };
            say(`334 ${Buffer.from(authStep.challenge as string).toString('base64')}`);
          }
        } else if (verb === 'MAIL') {
          msg = { mail: line, rcpts: [], data: '', tls: secure };
          accepted = [];
          say(o.mail ?? '250 2.1.0 Ok');
        } else if (verb === 'RCPT') {
          const addr = /<([^>]*)>/.exec(line)?.[1] ?? '';
          msg.rcpts.push(line);
          const r = o.rcpt ? o.rcpt(addr) : '250 2.1.5 Ok';
          if (r.startsWith('2')) accepted.push(addr);
          say(r);
        } else if (verb === 'DATA') {
          const r = o.data ?? (accepted.length > 0 ? '354 End data with <CR><LF>.<CR><LF>' : '554 5.5.1 Error: no valid recipients');
          if (r.startsWith('354')) inData = true;
          say(r);
        } else if (verb === 'RSET' || verb === 'NOOP') say('250 2.0.0 Ok');
        else if (verb === 'QUIT') {
          say('221 2.0.0 Bye');
          sock.end();
          return;
        } else say('502 5.5.2 Error: command not recognized');
      }
    };
    raw.on('data', onData);
    say(o.greeting ?? `220 ${o.name ?? 'fake.example'} ESMTP`);
  }
}

/** selfSignedCert - a throw-away key and certificate (openssl req). */
export function selfSignedCert(dir: string): { key: string; cert: string } {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=fake.example'], { stdio: 'ignore' });
  return { key: fs.readFileSync(key, 'utf8'), cert: fs.readFileSync(cert, 'utf8') };
}

export interface TestAgent {
  ctx: ServiceContext;
  state: AgentState;
  dir: string;
  /** A committed queue file in active/ and the delivery request for it. */
  request(opts: { rcpts: string[]; nexthop: string; content?: string | Buffer; sender?: string; smtputf8?: boolean; envid?: string; ret?: number; notify?: number; orcpt?: string }): Promise<DeliverRequest>;
  logLines(): string[];
  cleanup(): void;
}

/** testAgent - an agent context with `main.cf` settings (and a log file to read back). */
export function testAgent(settings: Record<string, string>, proto: 'smtp' | 'lmtp' = 'smtp'): TestAgent {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-smtp-'));
  const spool = createSpool(path.join(dir, 'spool'));
  const logFile = path.join(dir, 'maillog');
  const config = loadConfig({ configDir: dir, overrides: { myhostname: 'mailroom.example', queue_directory: spool.queueDir, ...settings } });
  const ctx: ServiceContext = {
    name: proto, command: proto, service: proto, type: 'unix', args: [], config,
    log: createLogger({ service: proto, file: logFile, sync: true, level: 'debug' }), queueDir: spool.queueDir, stopping: false,
    fatal: (text: string): never => { throw new Error(`fatal: ${text}`); },
  };
  const state = createAgentState(ctx, proto);
  return {
    ctx, state, dir,
    async request(o) {
      const w = new QueueFileWriter(spool, { queue: 'active' });
      w.setEnvelope({ sender: o.sender ?? 'sender@example.org', smtputf8: o.smtputf8, envid: o.envid, ret: o.ret });
      for (const r of o.rcpts) w.addRecipient({ address: r, notify: o.notify, orcpt: o.orcpt });
      const content = o.content ?? 'Subject: test\n\nhello\n';
      await w.writeContent(Buffer.isBuffer(content) ? content : Buffer.from(content));
      await w.commit();
      const q = await readQueueFile(w.path);
      return {
        type: 'deliver', queueId: q.id, path: q.path, contentOffset: q.contentOffset, contentSize: q.contentSize,
        sender: q.sender, arrivalTime: q.arrivalTime, envid: q.envid, ret: q.ret, smtputf8: q.smtputf8, transport: proto,
        nexthop: o.nexthop, attributes: q.attributes,
        recipients: q.recipients.map((r) => ({ address: r.address, original: r.original, orcpt: r.orcpt, notify: r.notify, offset: r.offset })),
      };
    },
    logLines() {
      return fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => String((JSON.parse(l) as { msg: string }).msg));
    },
    cleanup() {
      state.cache.closeAll();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
