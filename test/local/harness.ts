/*
 * harness - a throw-away instance for the local and virtual end-to-end tests: master
 * starts the real delivery agent(s), trivial-rewrite and (when built) cleanup from a
 * temporary configuration; the tests write queue files with QueueFileWriter into active/
 * and send the agent a real delivery request over `private/<service>`, as qmgr does.
 * Every process started is killed and the directory removed in cleanup().
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  createSpool, deliverReplyCodec, deliverRequestCodec, IpcClient, QueueFileWriter, readQueueFile, splitAddress,
  type DeliverReply, type QueueFile, type Spool,
} from '@mailroom/global';
import { cleanup, freePort, isRoot, logMessages, MASTER, ROOT, runMaster, waitFor, writeConfig, type Instance } from '../master/instance.js';

export { cleanup, isRoot, logMessages, waitFor };

export interface AgentInstance extends Instance {
  queue: Spool;
}

/** Daemons the instances can run: master.cf command name → compiled entry. */
const PROGRAMS: Record<string, string> = {
  master: MASTER,
  local: path.join(ROOT, 'packages/local/dist/main.js'),
  virtual: path.join(ROOT, 'packages/virtual/dist/main.js'),
  'trivial-rewrite': path.join(ROOT, 'packages/trivial-rewrite/dist/main.js'),
  cleanup: path.join(ROOT, 'packages/cleanup/dist/main.js'),
};

/** hasProgram - whether a daemon has been built (cleanup may still be in the works). */
export const hasProgram = (command: string): boolean => fs.existsSync(PROGRAMS[command] ?? '');

/** makeAgentInstance - config, spool and daemon directory in a temporary directory. */
export async function makeAgentInstance(mainCf: (dir: string) => string, masterCf: (dir: string) => string): Promise<AgentInstance> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-agent-'));
  fs.chmodSync(dir, 0o755);
  const spool = path.join(dir, 'spool');
  const inst: AgentInstance = {
    dir, etc: path.join(dir, 'etc'), spool, daemons: path.join(dir, 'daemons'), logFile: path.join(dir, 'maillog'),
    port: await freePort(), procs: [], queue: createSpool(spool),
  };
  fs.mkdirSync(inst.etc, { mode: 0o755 });
  for (const [cmd, file] of Object.entries(PROGRAMS)) {
    fs.mkdirSync(path.join(inst.daemons, cmd, 'dist'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(inst.daemons, cmd, 'dist', 'main.js'), `import '${file}';\n`);
  }
  writeConfig(inst, `myhostname = mail.example.test\nmydomain = example.test\nmydestination = $myhostname, localhost\n${mainCf(dir)}`, masterCf(dir));
  if (isRoot) execFileSync('chown', ['-R', 'nobody', spool]);
  return inst;
}

/** startAgents - run master and wait until these private services accept requests. */
export async function startAgents(inst: AgentInstance, services: string[]): Promise<void> {
  await runMaster(inst);
  await waitFor(`sockets ${services.join(', ')}`, () => services.every((s) => fs.existsSync(path.join(inst.spool, 'private', s))));
}

export interface TestMessage {
  sender?: string;
  recipients: string[];
  content: string | Buffer;
}

/** queueMessage - a complete queue file in active/, as qmgr would hand it over. */
export async function queueMessage(inst: AgentInstance, m: TestMessage): Promise<QueueFile> {
  const w = new QueueFileWriter(inst.queue, { queue: 'active' });
  w.setEnvelope({ sender: m.sender ?? 'sender@example.org' });
  for (const r of m.recipients) w.addRecipient({ address: r });
  await w.writeContent(typeof m.content === 'string' ? Buffer.from(m.content) : m.content);
  await w.commit();
  return readQueueFile(w.path);
}

/** deliver - send `service` a delivery request for the file's recipients (all, or these indexes). */
export async function deliver(inst: AgentInstance, service: string, qf: QueueFile, only?: number[]): Promise<DeliverReply> {
  const client = new IpcClient(path.join(inst.spool, 'private', service), deliverRequestCodec, deliverReplyCodec, { timeoutMs: 60_000 });
  const rcpts = qf.recipients.filter((_, i) => !only || only.includes(i));
  try {
    return await client.request({
      type: 'deliver', queueId: qf.id, path: qf.path, contentOffset: qf.contentOffset, contentSize: qf.contentSize,
      sender: qf.sender, arrivalTime: qf.arrivalTime, transport: service, nexthop: splitAddress(rcpts[0]?.address ?? '').domain,
      recipients: rcpts.map((r) => ({ address: r.address, original: r.original, offset: r.offset })), attributes: {},
    });
  } finally {
    client.close();
  }
}

function readStatusLines(inst: AgentInstance, queueId: string): string[] {
  const text = fs.existsSync(inst.logFile) ? fs.readFileSync(inst.logFile, 'utf8') : '';
  // Postfix's form: `ID: to=<...>`; the prefix is stripped so that tests match from `to=<`.
  const prefix = `${queueId}: to=<`;
  return text.split('\n').filter((l) => l.includes(`"queue_id":"${queueId}"`))
    .map((l) => String((JSON.parse(l) as { msg?: string }).msg))
    .filter((m) => m.startsWith(prefix)).map((m) => m.slice(queueId.length + 2));
}

/** statusLines - the `to=<...>` log lines of a queue ID, once `count` of them are written (the log is buffered). */
export async function statusLines(inst: AgentInstance, queueId: string, count = 1): Promise<string[]> {
  await waitFor(`${count} status lines of ${queueId}`, () => readStatusLines(inst, queueId).length >= count, 5000).catch(() => {});
  await new Promise((r) => setTimeout(r, 100)); // and no more than that
  return readStatusLines(inst, queueId);
}

/** doneFlags - which recipients of the queue file are marked done now. */
export async function doneFlags(qf: QueueFile): Promise<boolean[]> {
  return (await readQueueFile(qf.path)).recipients.map((r) => r.done);
}

/** message - a small RFC 5322 message. */
export function message(subject: string, extraHeaders = '', body = 'Hello there.\nFrom the body.\n'): string {
  return `From: sender@example.org\nTo: someone@example.test\nSubject: ${subject}\nMessage-ID: <${subject.replace(/\W/g, '')}@example.org>\n${extraHeaders}\n${body}`;
}

/** files - the regular files below `dir` (recursively), sorted. */
export function files(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(dir, f)).filter((f) => fs.statSync(f).isFile()).sort();
}
