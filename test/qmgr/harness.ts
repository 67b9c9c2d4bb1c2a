/*
 * harness - a throw-away instance for the qmgr end-to-end tests: master, the real qmgr
 * and trivial-rewrite, the test agent (fixtures/agent.ts) as transports `smtp` and
 * `local`, and the test bounce daemon (fixtures/bounce.ts) on private/bounce. Messages
 * are written with QueueFileWriter into a staging spool and renamed into incoming/
 * once complete (and owned by mail_owner when the test runs as root), then qmgr is
 * triggered. Tiny backoff times keep retries within a test's time.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createSpool, lookupUser, QueueFileWriter, triggerService, type QueueEnvelopeSpec, type QueueRecipientSpec, type Spool,
} from '@mailroom/global';
import { freePort, isRoot, MASTER, ROOT, writeConfig, type Instance } from '../master/instance.js';
import { BOUNCES_FILE, DELIVERIES_FILE, RULES_FILE, type Rules } from './fixtures/rules.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface QmgrInstance extends Instance {
  queue: Spool;
  staging: Spool;
}

/** Services of every test instance; `extra` lines are appended. */
export const MASTER_CF = `
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       testbounce
smtp      unix  -       -       n       -       -       testagent
local     unix  -       n       n       -       -       testagent
`;

const BASE_MAIN_CF = `
myhostname = mail.test
mydomain = test
myorigin = $myhostname
mydestination = $myhostname, localhost
minimal_backoff_time = 1s
maximal_backoff_time = 2s
queue_run_delay = 1s
transport_retry_time = 1s
`;

/** makeQmgrInstance - write the config and daemon directory; master is not started. */
export async function makeQmgrInstance(mainCf = '', extraMasterCf = ''): Promise<QmgrInstance> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-qmgr-'));
  fs.chmodSync(dir, 0o755);
  const spoolDir = path.join(dir, 'spool');
  const inst: QmgrInstance = {
    dir, etc: path.join(dir, 'etc'), spool: spoolDir, daemons: path.join(dir, 'daemons'), logFile: path.join(dir, 'maillog'),
    port: await freePort(), procs: [], queue: createSpool(spoolDir), staging: createSpool(path.join(dir, 'staging')),
  };
  fs.mkdirSync(inst.etc, { mode: 0o755 });
  const programs: Record<string, string> = {
    master: MASTER,
    qmgr: path.join(ROOT, 'packages/qmgr/dist/main.js'),
    'trivial-rewrite': path.join(ROOT, 'packages/trivial-rewrite/dist/main.js'),
    testagent: path.join(FIXTURES, 'agent.js'),
    testbounce: path.join(FIXTURES, 'bounce.js'),
  };
  for (const [cmd, file] of Object.entries(programs)) {
    fs.mkdirSync(path.join(inst.daemons, cmd, 'dist'), { recursive: true, mode: 0o755 });
    fs.writeFileSync(path.join(inst.daemons, cmd, 'dist', 'main.js'), `import '${file}';\n`);
  }
  writeConfig(inst, `${BASE_MAIN_CF}\n${mainCf}`, `${MASTER_CF}\n${extraMasterCf}`);
  // Agents run as root (local) and as mail_owner (smtp): both append to these.
  for (const f of [DELIVERIES_FILE, BOUNCES_FILE]) {
    fs.writeFileSync(path.join(spoolDir, f), '');
    fs.chmodSync(path.join(spoolDir, f), 0o666);
  }
  if (isRoot) execFileSync('chown', ['-R', 'nobody', spoolDir]);
  return inst;
}

/** A message to queue. */
export interface TestMessage {
  sender?: string;
  recipients: (string | QueueRecipientSpec)[];
  envelope?: Partial<QueueEnvelopeSpec>;
  content?: string;
}

const owner = isRoot ? lookupUser('nobody') : undefined;

/** inject - queue messages in incoming/ (complete, as cleanup leaves them) or another queue; returns their IDs. */
export async function inject(inst: QmgrInstance, msgs: readonly TestMessage[], queue: 'incoming' | 'hold' | 'deferred' = 'incoming'): Promise<string[]> {
  return Promise.all(
    msgs.map(async (msg, i) => {
      const w = new QueueFileWriter(inst.staging);
      w.setEnvelope({ sender: msg.sender ?? 'sender@mail.test', ...msg.envelope });
      for (const r of msg.recipients) w.addRecipient(typeof r === 'string' ? { address: r } : r);
      await w.writeContent(Buffer.from(msg.content ?? `Subject: test ${i}\nFrom: sender@mail.test\n\nbody ${i}\n`));
      const id = await w.commit();
      if (owner) fs.chownSync(w.path, owner.uid, owner.gid);
      const to = inst.queue.path(queue, id);
      fs.mkdirSync(path.dirname(to), { recursive: true });
      fs.renameSync(w.path, to);
      return id;
    }),
  );
}

/** trigger - write a trigger to public/qmgr (`I` by default). */
export function trigger(inst: QmgrInstance, data = 'I'): Promise<void> {
  return triggerService(inst.spool, 'public/qmgr', data);
}

/** setRules - what the test agent and bounce daemon answer from now on. */
export function setRules(inst: QmgrInstance, rules: Rules): void {
  const tmp = path.join(inst.spool, `.${RULES_FILE}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(rules), { mode: 0o644 });
  fs.renameSync(tmp, path.join(inst.spool, RULES_FILE));
}

/** One delivery request as the test agent recorded it. */
export interface Delivery {
  pid: number;
  transport: string;
  queueId: string;
  nexthop: string;
  recipients: string[];
  statuses: string[];
  start: number;
  end: number;
}

function jsonLines<T>(file: string): T[] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as T);
}

/** deliveries - every request the test agent answered. */
export function deliveries(inst: QmgrInstance): Delivery[] {
  return jsonLines<Delivery>(path.join(inst.spool, DELIVERIES_FILE));
}

/** A notice request as the test bounce daemon recorded it. */
export interface Notice {
  kind: 'failure' | 'delay' | 'success';
  queueId: string;
  sender: string;
  recipients: { address: string; action: string; dsn: string; reason: string }[];
  answered: string;
}

/** notices - every request the test bounce daemon answered. */
export function notices(inst: QmgrInstance): Notice[] {
  return jsonLines<Notice>(path.join(inst.spool, BOUNCES_FILE));
}

/** queueIds - the queue files in one queue (hashed subdirectories included). */
export function queueIds(inst: QmgrInstance, queue: 'incoming' | 'active' | 'deferred' | 'hold' | 'corrupt'): string[] {
  const top = inst.queue.queuePath(queue);
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (/^[A-Za-z0-9_]+$/.test(e.name)) out.push(e.name);
    }
  };
  walk(top);
  return out.sort();
}
