/*
 * sasl/dovecot - a client of Dovecot's authentication protocol (version 1.2) over the
 * unix socket smtpd_sasl_path (smtpd_sasl_type = dovecot), as Postfix's
 * xsasl_dovecot_server:
 *   C: VERSION 1 2 / CPID pid
 *   S: VERSION 1 2 / MECH PLAIN plaintext / MECH LOGIN plaintext / SPID / CUID / COOKIE / DONE
 *   C: AUTH id PLAIN service=smtp nologin lip= rip= lport= rport= [secured] resp=BASE64
 *   S: OK id user=alice | FAIL id [reason=...] [temp] | CONT id BASE64 (LOGIN's prompts)
 *   C: CONT id BASE64
 * Fields are tab-separated, one request per line. One connection per smtpd process,
 * opened at first use, shared by all sessions (requests are told apart by id) and
 * opened again after it breaks. A broken or silent connection is a temporary failure.
 * Used by index.ts. Reads no parameters (path and timeout are passed in).
 */
import net from 'node:net';
import type { AuthRequest, AuthResult, Mechanism, SaslBackend } from './types.js';

interface Pending {
  req: AuthRequest;
  step: number;
  resolve(r: AuthResult): void;
  timer: NodeJS.Timeout;
}

/** escape - Dovecot's tab escaping (\001 -> \0011, \t -> \001t, \n -> \001n). */
export function escapeValue(v: string): string {
  return v.replace(/\x01/g, '\x011').replace(/\t/g, '\x01t').replace(/\n/g, '\x01n').replace(/\r/g, '\x01r');
}

/** unescapeValue - the reverse of escapeValue. */
export function unescapeValue(v: string): string {
  return v.replace(/\x01([1tnr0])/g, (_m, c: string) => ({ '1': '\x01', t: '\t', n: '\n', r: '\r', '0': '\0' })[c] ?? '');
}

/** parseMech - a `MECH name flag...` line into a Mechanism. */
export function parseMech(fields: readonly string[]): Mechanism {
  const flags = new Set(fields.slice(2));
  return {
    name: (fields[1] ?? '').toUpperCase(),
    plaintext: flags.has('plaintext'),
    anonymous: flags.has('anonymous'),
    dictionary: flags.has('dictionary'),
    active: flags.has('active'),
    mutualAuth: flags.has('mutual-auth'),
  };
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

export class DovecotAuthClient implements SaslBackend {
  private sock: net.Socket | undefined;
  private ready: Promise<Mechanism[]> | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(
    private readonly path: string,
    private readonly timeoutMs: number,
    private readonly warn: (msg: string) => void,
  ) {}

  mechanisms(): Promise<Mechanism[]> {
    return this.connect();
  }

  async authenticate(req: AuthRequest): Promise<AuthResult> {
    const mechs = await this.connect();
    if (!mechs.some((m) => m.name === req.mechanism)) return { ok: false, reason: 'Invalid authentication mechanism' };
    const sock = this.sock;
    if (!sock) return { ok: false, temporary: true, reason: 'authentication server went away' };
    const id = this.nextId++;
    if (this.nextId > 0x7fffffff) this.nextId = 1;
    return new Promise<AuthResult>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        this.warn(`SASL: timeout waiting for ${this.path}`);
        resolve({ ok: false, temporary: true, reason: 'authentication server timeout' });
      }, this.timeoutMs);
      this.pending.set(id, { req, step: 0, resolve, timer });
      const fields = ['AUTH', String(id), req.mechanism, `service=${escapeValue(req.service)}`, 'nologin'];
      if (req.localAddr) fields.push(`lip=${req.localAddr}`, `lport=${req.localPort}`);
      fields.push(`rip=${req.clientAddr}`, `rport=${req.clientPort}`);
      if (req.secured) fields.push('secured');
      if (req.mechanism === 'PLAIN') fields.push(`resp=${b64(`${req.authzid}\0${req.username}\0${req.password}`)}`);
      sock.write(`${fields.join('\t')}\n`);
    });
  }

  close(): void {
    const sock = this.sock;
    this.sock = undefined;
    this.ready = undefined;
    sock?.destroy();
    this.broken(new Error('closed'));
  }

  /** connect - the handshake (once per connection); resolves with the offered mechanisms. */
  private connect(): Promise<Mechanism[]> {
    if (this.ready) return this.ready;
    const ready = new Promise<Mechanism[]>((resolve, reject) => {
      const sock = net.createConnection(this.path);
      this.sock = sock;
      const mechs: Mechanism[] = [];
      let done = false;
      let buf = '';
      const timer = setTimeout(() => sock.destroy(new Error('timeout during handshake')), this.timeoutMs);
      sock.setEncoding('utf8');
      sock.on('connect', () => sock.write(`VERSION\t1\t2\nCPID\t${process.pid}\n`));
      sock.on('data', (d: string) => {
        buf += d;
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          const f = line.split('\t');
          if (done) {
            this.reply(f);
            continue;
          }
          if (f[0] === 'VERSION' && f[1] !== '1') {
            sock.destroy(new Error(`authentication server protocol version ${f[1] ?? '?'} is not 1`));
            return;
          }
          if (f[0] === 'MECH') mechs.push(parseMech(f));
          if (f[0] === 'DONE') {
            done = true;
            clearTimeout(timer);
            resolve(mechs);
          }
        }
      });
      const end = (err: Error): void => {
        clearTimeout(timer);
        if (this.sock === sock) {
          this.sock = undefined;
          this.ready = undefined;
          this.broken(err);
        }
        if (!done) reject(err);
      };
      sock.on('error', (err) => {
        this.warn(`SASL: connect to ${this.path} failed: ${err.message}`);
        end(err);
      });
      sock.on('close', () => end(new Error('connection closed')));
    });
    this.ready = ready;
    ready.catch(() => {});
    return ready;
  }

  /** reply - OK, FAIL or CONT for a request in flight. */
  private reply(f: string[]): void {
    const id = Number(f[1]);
    const p = this.pending.get(id);
    if (!p) return;
    const params = new Map<string, string>();
    for (const x of f.slice(2)) {
      const eq = x.indexOf('=');
      params.set(eq < 0 ? x : x.slice(0, eq), eq < 0 ? '' : unescapeValue(x.slice(eq + 1)));
    }
    const finish = (r: AuthResult): void => {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.resolve(r);
    };
    switch (f[0]) {
      case 'OK':
        finish({ ok: true, user: params.get('user') || p.req.username });
        return;
      case 'FAIL': {
        const r: AuthResult = { ok: false, temporary: params.has('temp') };
        const reason = params.get('reason');
        if (reason) r.reason = reason;
        finish(r);
        return;
      }
      case 'CONT': {
        // LOGIN: Dovecot prompts for the user name, then the password.
        const answer = p.req.mechanism === 'LOGIN' && p.step < 2 ? (p.step === 0 ? p.req.username : p.req.password) : undefined;
        p.step++;
        if (answer === undefined) {
          this.sock?.write(`CONT\t${id}\t*\n`);
          finish({ ok: false });
          return;
        }
        this.sock?.write(`CONT\t${id}\t${b64(answer)}\n`);
        return;
      }
      default:
        finish({ ok: false, temporary: true, reason: `unexpected reply ${f[0] ?? ''}` });
    }
  }

  /** broken - the connection is gone: every request in flight fails temporarily. */
  private broken(err: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.resolve({ ok: false, temporary: true, reason: `authentication server: ${err.message}` });
    }
  }
}
