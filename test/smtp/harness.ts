/*
 * harness - an instance that runs the real smtp and lmtp agents under master (the
 * smtp package from this checkout), queue files written with QueueFileWriter into
 * active/, delivery requests sent over the agents' sockets as qmgr sends them, and the
 * real peers the tests talk to (smtp-sink, Dovecot LMTP). Shared by test/smtp and
 * test/lmtp. Every process started is killed in cleanup().
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  createSpool, deliverReplyCodec, deliverRequestCodec, IpcClient, lookupUser, QueueFileWriter, readQueueFile,
  type DeliverReply, type DeliverRequest, type Spool,
} from '@mailroom/global';
import { cleanup, isRoot, makeInstance, ROOT, runMaster, waitFor, type Instance } from '../master/instance.js';

export interface MessageSpec {
  rcpts: string[];
  nexthop: string;
  transport?: string;
  sender?: string;
  content?: string;
}

export interface AgentInstance {
  inst: Instance;
  spool: Spool;
  /** Write a committed queue file into active/ and build qmgr's request for it. */
  message(spec: MessageSpec): Promise<DeliverRequest>;
  /** Send a request to the agent behind `private/<transport>`. */
  deliver(req: DeliverRequest): Promise<DeliverReply>;
  /** The delivery log lines of a queue ID. */
  logFor(queueId: string): string[];
  /** Recipients of a queue file marked done. */
  doneCount(file: string): Promise<number>;
  /** Start a peer process; killed in cleanup(). */
  peer(cmd: string, args: string[]): ChildProcess;
  cleanup(): void;
}

/** agentInstance - master with `smtp` and `lmtp` services and the given main.cf lines. */
export async function agentInstance(mainCf: string, extraMasterCf: string[] = []): Promise<AgentInstance> {
  const inst = await makeInstance(`daemon_directory = ${path.join(ROOT, 'packages')}\n${mainCf}`, () =>
    ['smtp unix - - n - - smtp', 'lmtp unix - - n - - lmtp', ...extraMasterCf].join('\n'));
  const spool = createSpool(inst.spool);
  if (isRoot) execFileSync('chown', ['-R', 'nobody', inst.spool]);
  const peers: ChildProcess[] = [];
  const clients = new Map<string, IpcClient<DeliverRequest, DeliverReply>>();
  const ai: AgentInstance = {
    inst,
    spool,
    async message(spec) {
      const w = new QueueFileWriter(spool, { queue: 'active' });
      w.setEnvelope({ sender: spec.sender ?? 'sender@example.org', attributes: { client_address: '127.0.0.1' } });
      for (const r of spec.rcpts) w.addRecipient({ address: r });
      await w.writeContent(Buffer.from(spec.content ?? `Subject: test ${w.id}\nFrom: sender@example.org\n\nhello from ${w.id}\n.leading dot\n`));
      await w.commit();
      if (isRoot) fs.chownSync(w.path, (lookupUser('nobody')?.uid ?? 65534), -1);
      const q = await readQueueFile(w.path);
      return {
        type: 'deliver', queueId: q.id, path: q.path, contentOffset: q.contentOffset, contentSize: q.contentSize,
        sender: q.sender, arrivalTime: q.arrivalTime, transport: spec.transport ?? 'smtp', nexthop: spec.nexthop,
        attributes: q.attributes, activeTime: Date.now(),
        recipients: q.recipients.map((r) => ({ address: r.address, original: r.original, offset: r.offset })),
      };
    },
    async deliver(req) {
      let c = clients.get(req.transport);
      if (!c) {
        c = new IpcClient(path.join(inst.spool, 'private', req.transport), deliverRequestCodec, deliverReplyCodec, { timeoutMs: 60_000 });
        clients.set(req.transport, c);
      }
      return c.request(req);
    },
    logFor(queueId) {
      let text = '';
      try {
        text = fs.readFileSync(inst.logFile, 'utf8');
      } catch {
        return [];
      }
      return text.split('\n').filter((l) => l.includes(`"queue_id":"${queueId}"`)).map((l) => {
        try {
          return String((JSON.parse(l) as { msg?: unknown }).msg ?? '');
        } catch {
          return '';
        }
      });
    },
    async doneCount(file) {
      return (await readQueueFile(file)).recipients.filter((r) => r.done).length;
    },
    peer(cmd, args) {
      const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      p.stderr?.resume();
      peers.push(p);
      return p;
    },
    cleanup() {
      for (const c of clients.values()) c.close();
      for (const p of peers) {
        try {
          if (p.pid) process.kill(-p.pid, 'SIGKILL');
        } catch {
          // gone
        }
      }
      cleanup(inst);
    },
  };
  try {
    await runMaster(inst);
    await waitFor('the smtp and lmtp sockets', () => ['smtp', 'lmtp'].every((s) => fs.existsSync(path.join(inst.spool, 'private', s))));
  } catch (err) {
    ai.cleanup();
    throw err;
  }
  return ai;
}


/** smtpSink - Postfix's smtp-sink on `addr:port` (extra flags e.g. `-r rcpt`); its counters on stdout. */
export function smtpSink(ai: AgentInstance, listen: string, flags: string[] = []): { proc: ChildProcess; output: () => string } {
  const args = [...(isRoot ? ['-u', 'nobody'] : []), '-c', ...flags, listen, '10'];
  const proc = ai.peer('smtp-sink', args);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => {
    out += d.toString('latin1');
  });
  return { proc, output: () => out };
}

/** listening - wait until something accepts TCP connections on host:port. */
export async function listening(host: string, port: number): Promise<void> {
  const net = await import('node:net');
  await waitFor(`${host}:${port} to listen`, () => new Promise<boolean>((resolve) => {
    const s = net.connect({ host, port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  }));
}

/** dumpDir - a directory smtp-sink (running as nobody when we are root) may write its -d dumps to. */
export function dumpDir(ai: AgentInstance): string {
  const d = path.join(ai.inst.dir, 'dump');
  fs.mkdirSync(d, { mode: 0o777 });
  fs.chmodSync(d, 0o777);
  return d;
}

/** dumps - the text of every message smtp-sink dumped. */
export function dumps(dir: string): string[] {
  return fs.readdirSync(dir).map((f) => fs.readFileSync(path.join(dir, f), 'latin1'));
}
