/*
 * instance - a throw-away Mailroom instance for the postqueue/showq tests, built on
 * test/submission/instance.ts: master with pickup, cleanup, trivial-rewrite, qmgr, bounce,
 * showq and the smtp agent. Mail relays to `[127.0.0.1]:relayPort`, where nothing
 * listens until a test starts smtp-sink there (so it is deferred with a reason), and
 * mail for `slow.example` goes to `slowPort`, a server that accepts and never greets
 * (so that message stays in the active queue). When run as root and the `postfix`
 * account exists, mail_owner is `postfix`, so that `nobody` has no access to the spool
 * and can list it only through showq.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { lookupUser, scanQueue, Spool, type QueueName } from '@mailroom/global';
import { freePort } from '../master/instance.js';
import { cleanup, isRoot, makeInstance, run, type Instance } from '../submission/instance.js';

export const PQ_MASTER_CF = [
  'pickup    unix  n       -       n       60      1       pickup',
  'cleanup   unix  n       -       n       -       0       cleanup',
  'qmgr      unix  n       -       n       300     1       qmgr',
  'rewrite   unix  -       -       n       -       -       trivial-rewrite',
  'bounce    unix  -       -       n       -       0       bounce',
  'defer     unix  -       -       n       -       0       bounce',
  'trace     unix  -       -       n       -       0       bounce',
  'showq     unix  n       -       n       -       -       showq',
  'smtp      unix  -       -       n       -       -       smtp',
  'relay     unix  -       -       n       -       -       smtp',
].join('\n');


export interface PqInstance extends Instance {
  queue: Spool;
  relayPort: number;
  slowPort: number;
  /** The account that may not read the spool (root runs only). */
  outsider?: { uid: number; gid: number };
  peers: ChildProcess[];
  slow?: net.Server;
  slowSockets: net.Socket[];
}

/** makePqInstance - configuration and spool; master is not started. */
export async function makePqInstance(): Promise<PqInstance> {
  const relayPort = await freePort();
  const slowPort = await freePort();
  const separate = isRoot && lookupUser('postfix') !== undefined && lookupUser('nobody') !== undefined;
  const inst = makeInstance([
    ...(separate ? ['mail_owner = postfix'] : []),
    `relayhost = [127.0.0.1]:${relayPort}`,
    'transport_maps = texthash:$config_directory/transport',
    'smtp_connect_timeout = 5s',
  ].join('\n'));
  fs.writeFileSync(path.join(inst.etc, 'transport'), `slow.example smtp:[127.0.0.1]:${slowPort}\n`);
  fs.writeFileSync(path.join(inst.etc, 'master.cf'), `${PQ_MASTER_CF}\n`);
  return {
    ...inst, queue: new Spool(inst.spool), relayPort, slowPort, peers: [], slowSockets: [],
    outsider: separate ? lookupUser('nobody') : undefined,
  };
}

/** startSlowPeer - accept connections on slowPort and never answer. */
export async function startSlowPeer(inst: PqInstance): Promise<void> {
  const server = net.createServer((s) => {
    inst.slowSockets.push(s);
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(inst.slowPort, '127.0.0.1', resolve));
  inst.slow = server;
}

/** startSink - Postfix's smtp-sink on relayPort (accepts and discards); waits until it listens. */
export async function startSink(inst: PqInstance): Promise<void> {
  const args = [...(isRoot ? ['-u', 'nobody'] : []), `127.0.0.1:${inst.relayPort}`, '10'];
  const p = spawn('smtp-sink', args, { stdio: 'ignore', detached: true });
  inst.peers.push(p);
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.createConnection(inst.relayPort, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('smtp-sink did not start');
}

/** ids - the queue IDs in a queue (all hash levels). */
export async function ids(inst: PqInstance, queue: QueueName): Promise<string[]> {
  const out: string[] = [];
  for await (const id of scanQueue(inst.queue, queue)) out.push(id);
  return out;
}

/** submit - one message through bin/sendmail; returns its queue ID once it is in `queue`. */
export function submit(inst: PqInstance, sender: string, rcpts: string[], subject: string): void {
  const r = run(inst, 'sendmail', ['-f', sender, ...rcpts], { input: `Subject: ${subject}\n\n${subject} body\n` });
  if (r.status !== 0) throw new Error(`sendmail failed: ${r.stderr}`);
}

/** stopPeers - smtp-sink and the slow server. */
export function stopPeers(inst: PqInstance): void {
  for (const p of inst.peers) {
    try {
      if (p.pid) process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  inst.peers = [];
  for (const s of inst.slowSockets) s.destroy();
  inst.slow?.close();
  inst.slow = undefined;
}

/** removePq - stop everything and remove the instance. */
export function removePq(inst: PqInstance): void {
  stopPeers(inst);
  cleanup(inst);
}
