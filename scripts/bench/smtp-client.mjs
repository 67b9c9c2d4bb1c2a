// scripts/bench/smtp-client.mjs - a small SMTP load generator that reports the accept latency
// of each message, which smtp-source cannot: `sessions` connections, each sending messages
// one after another over the same connection (like `smtp-source -d`) until `messages` have been
// sent in all. A message's latency runs from writing MAIL FROM until the 250 that answers the
// end of DATA (no pipelining: each command waits for its reply). Any reply other than the
// expected one fails the run with that reply.
import net from 'node:net';
import { messageBody } from './lib.mjs';

class Session {
  constructor(port) {
    this.sock = net.connect(port, '127.0.0.1');
    this.sock.setNoDelay(true);
    this.buf = '';
    this.lines = [];
    this.waiter = undefined;
    this.error = undefined;
    this.sock.setEncoding('latin1');
    this.sock.on('data', (d) => {
      this.buf += d;
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i).replace(/\r$/, '');
        this.buf = this.buf.slice(i + 1);
        this.lines.push(line);
        // A reply ends with a line whose 4th character is a space (or that has only the code).
        if (line.length === 3 || line[3] === ' ') {
          const reply = this.lines.join('\n');
          this.lines = [];
          const w = this.waiter;
          this.waiter = undefined;
          w?.resolve(reply);
        }
      }
    });
    const fail = (err) => {
      this.error = err;
      const w = this.waiter;
      this.waiter = undefined;
      w?.reject(err);
    };
    this.sock.on('error', fail);
    this.sock.on('close', () => fail(new Error('connection closed by the server')));
  }

  reply() {
    if (this.error) return Promise.reject(this.error);
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  async command(text, expect) {
    const p = this.reply();
    if (text !== undefined) this.sock.write(text);
    const r = await p;
    if (!r.startsWith(expect)) throw new Error(`${text === undefined ? 'greeting' : text.split('\r\n')[0] || 'end of data'}: ${r}`);
    return r;
  }

  close() {
    this.sock.end('QUIT\r\n');
    this.sock.destroy();
  }
}

/**
 * sendLoad - send `messages` messages of `size` payload bytes over `sessions` parallel sessions
 * to 127.0.0.1:port; resolves to the latency of each message in milliseconds.
 */
export async function sendLoad({ port, sessions, messages, size, from, to }) {
  const data = `From: <${from}>\r\nTo: <${to}>\r\nSubject: mailroom bench\r\n\r\n${messageBody(size)}.\r\n`;
  const latencies = [];
  let next = 0;
  const one = async () => {
    const s = new Session(port);
    try {
      await s.command(undefined, '220');
      await s.command('EHLO bench.client.test\r\n', '250');
      while (next < messages) {
        next++;
        const t0 = performance.now();
        await s.command(`MAIL FROM:<${from}>\r\n`, '250');
        await s.command(`RCPT TO:<${to}>\r\n`, '250');
        await s.command('DATA\r\n', '354');
        await s.command(data, '250');
        latencies.push(performance.now() - t0);
      }
    } finally {
      s.close();
    }
  };
  await Promise.all(Array.from({ length: Math.min(sessions, messages) }, one));
  return latencies;
}
