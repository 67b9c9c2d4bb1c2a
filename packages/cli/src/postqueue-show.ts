/*
 * postqueue-show - `postqueue -p` / `-j` (and so mailq and sendmail -bp): read the
 * listing from the showq service over public/$showq_service_name and print it as
 * Postfix does (postqueue-format.ts). That socket is open to every local user while
 * showq runs as mail_owner, so users without read access to the spool can list it.
 * When the socket cannot be reached the mail system is down: the superuser then runs
 * showq stand-alone (`$daemon_directory/showq/dist/main.js -u -S`: same protocol on its
 * standard output, run as mail_owner) with Postfix's warning; anyone else gets Postfix's fatal error.
 * Output is written as it comes, in large pieces, and the socket is paused while
 * standard output is full, so memory stays bounded for any queue size.
 * Reads: queue_directory, showq_service_name, mail_name, daemon_directory.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { ProtocolError, readShowq, servicePath, strerror, type Config, type ShowqMessage } from '@mailroom/global';
import { jsonLine, MailqFormatter } from './postqueue-format.js';
import { EX_OSERR, EX_SOFTWARE, EX_UNAVAILABLE } from './submit-sysexits.js';
import { fatal, warn } from './util.js';

export type ListMode = 'mailq' | 'json';



/** connect - a connection to the showq socket, or the connect error. */
function connect(file: string): Promise<net.Socket | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const sock = net.createConnection(file);
    sock.once('connect', () => {
      sock.removeAllListeners('error');
      resolve(sock);
    });
    sock.once('error', (err) => resolve(err));
  });
}

/** Output in large writes; the input pauses while standard output is full. */
class Output {
  private text = '';

  constructor(private readonly input: Readable) {}

  add(s: string): void {
    this.text += s;
    if (this.text.length >= 64 * 1024) this.flush();
  }

  flush(): void {
    if (!this.text) return;
    const ok = process.stdout.write(this.text);
    this.text = '';
    if (!ok) {
      this.input.pause();
      process.stdout.once('drain', () => this.input.resume());
    }
  }
}

/** print - decode a showq stream and print the listing; fatal on a malformed stream. */
async function print(input: Readable, mode: ListMode, prog: string): Promise<void> {
  const out = new Output(input);
  const mailq = new MailqFormatter();
  const onMessage = mode === 'json' ? (m: ShowqMessage) => out.add(jsonLine(m)) : (m: ShowqMessage) => out.add(mailq.message(m));
  try {
    await readShowq(input, onMessage);
  } catch (err) {
    out.flush();
    if (err instanceof ProtocolError) fatal(prog, 'malformed showq server response', EX_SOFTWARE);
    fatal(prog, `read showq server response: ${(err as Error).message}`, EX_SOFTWARE);
  }
  if (mode === 'mailq') out.add(mailq.summary());
  out.flush();
}

/** standalone - the superuser's listing while the system is down: run showq -S. */
async function standalone(config: Config, mode: ListMode, verbose: number, prog: string): Promise<void> {
  const program = path.join(config.get('daemon_directory'), 'showq', 'dist', 'main.js');
  const args = [program, '-u', '-S', ...Array.from({ length: verbose }, () => '-v')];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, MAIL_CONFIG: config.configDir },
  });
  const exited = new Promise<number>((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('close', (code) => resolve(code ?? -1));
  });
  await print(child.stdout, mode, prog);
  const status = await exited;
  if (status !== 0) fatal(prog, `Error running ${program}`, status < 0 ? EX_OSERR : EX_SOFTWARE);
}

/** showQueue - print the queue listing (-p: mailq layout, -j: JSON lines). */
export async function showQueue(prog: string, config: Config, mode: ListMode, verbose = 0): Promise<void> {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0); // `postqueue -p | head`
    fatal(prog, `output write error: ${err.message}`, 74);
  });
  const service = config.get('showq_service_name');
  const conn = await connect(servicePath(config.get('queue_directory'), `public/${service}`));
  if (conn instanceof net.Socket) return print(conn, mode, prog);
  const what = `Connect to the ${config.get('mail_name')} ${service} service: ${strerror(conn)}`;
  if (conn.code === 'EACCES' || conn.code === 'EPERM') fatal(prog, what, EX_SOFTWARE);
  if (process.geteuid?.() === 0) {
    warn(prog, `Mail system is down -- accessing queue directly (${what})`);
    return standalone(config, mode, verbose, prog);
  }
  fatal(prog, `Queue report unavailable - mail system is down (${what})`, EX_UNAVAILABLE);
}
