/*
 * postqueue end to end: a real instance with deferred mail (relay to a closed loopback
 * port), a message stuck in the active queue (a peer that never greets) and one moved
 * to hold/ with the queue library and marked forced-to-expire. Checks postqueue -p's
 * layout (`*`, `!`, `#`, reasons, footer) and -j's fields against the queue files,
 * mailq and sendmail -bp giving the
 * same listing, an unprivileged user listing through showq without spool access,
 * -s, -i and -f each causing delivery once smtp-sink listens, and the system-down
 * behaviour for root (stand-alone showq) and others (Postfix's fatal error).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { moveQueueFile, readQueueFileSync, type QueueName } from '@mailroom/global';
import { waitFor as waitForCommon } from '../lib/common.js';
import { isRoot, logMessages, run, startMaster, stopMaster } from '../submission/instance.js';
import { ids, makePqInstance, removePq, startSink, startSlowPeer, submit, type PqInstance } from './instance.js';

interface JsonMessage {
  queue_name: string;
  queue_id: string;
  arrival_time: number;
  message_size: number;
  forced_expire: boolean;
  sender: string;
  recipients: Array<{ address: string; delay_reason?: string }>;
}

const waitFor = (what: string, pred: () => boolean | Promise<boolean>): Promise<void> => waitForCommon(what, pred, 30_000);

const REFUSED = /^(delivery temporarily suspended: )?connect to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: Connection refused$/;

describe('postqueue and showq', { timeout: 120_000 }, () => {
  let inst: PqInstance;
  /** Queue IDs by sender. */
  const id: Record<string, string> = {};
  const start = Math.floor(Date.now() / 1000);

  function senderOf(queue: QueueName, qid: string): string {
    return readQueueFileSync(inst.queue.path(queue, qid)).sender;
  }

  function postqueue(args: string[], uid?: { uid: number; gid: number }): ReturnType<typeof run> {
    return run(inst, 'postqueue', args, uid ?? {});
  }

  function sentTo(qid: string): number {
    return logMessages(inst).filter((l) => l.startsWith(`${qid}: to=<`) && l.includes('status=sent')).length;
  }

  before(async () => {
    inst = await makePqInstance();
    await startSlowPeer(inst);
    await startMaster(inst);
    submit(inst, 'alice@example.org', ['bob@example.net', 'carol@example.net'], 'one');
    submit(inst, '', ['dave@example.net'], 'bounce');
    submit(inst, 'gus@example.org', ['gina@example.com'], 'three');
    submit(inst, 'kim@example.org', ['kurt@example.org'], 'four');
    submit(inst, 'holder@example.org', ['henry@example.net'], 'held');
    submit(inst, 'slow@example.org', ['erin@slow.example'], 'slow');
    await waitFor('5 deferred, 1 active', async () => (await ids(inst, 'deferred')).length === 5 && (await ids(inst, 'active')).length === 1);
    for (const q of ['deferred', 'active'] as const) for (const qid of await ids(inst, q)) id[senderOf(q, qid) || 'null'] = qid;
    await moveQueueFile(inst.queue, id['holder@example.org'] as string, 'deferred', 'hold');
    fs.chmodSync(inst.queue.path('hold', id['holder@example.org'] as string), 0o710); // postsuper -e's mark
  });

  after(() => removePq(inst));

  it('-p shows Postfix layout: `*` for active, `!` for hold, reasons above recipients, the footer', () => {
    const r = postqueue(['-p']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    const blocks = r.stdout.split('\n\n');
    assert.equal(blocks[0]?.split('\n')[0], '----Queue ID----- --Size-- ---Arrival Time---- --Sender/Recipient------');
    const footer = blocks.at(-1) as string;
    assert.match(footer, /^-- \d+ Kbytes in 6 Requests\.\n$/);
    const byId = new Map(blocks.slice(0, -1).map((b) => {
      const lines = b.split('\n').filter((l) => l && !l.startsWith('----Queue ID'));
      return [(lines[0] as string).split(/[*!# ]/)[0] as string, lines];
    }));
    const head = (qid: string): string => (byId.get(qid) as string[])[0] as string;
    const slow = id['slow@example.org'] as string;
    assert.match(head(slow), new RegExp(`^${slow}\\* +\\d+ \\w{3} \\w{3} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d slow@example\\.org$`));
    assert.equal(head(slow).indexOf('slow@example.org'), 47, 'sender column of the long-ID layout');
    assert.deepEqual((byId.get(slow) as string[]).slice(1), [`${' '.repeat(47)}erin@slow.example`]);
    const held = id['holder@example.org'] as string;
    assert.match(head(held), new RegExp(`^${held}!# `), 'on hold and forced to expire');
    const alice = byId.get(id['alice@example.org'] as string) as string[];
    assert.match(alice[0] as string, / alice@example\.org$/);
    assert.match(alice[1] as string, /^ *\(.*Connection refused\)$/);
    assert.equal((alice[1] as string).length, Math.max(78, (alice[1] as string).trimStart().length), 'reason right-aligned to column 78');
    assert.deepEqual(alice.slice(2).map((l) => l.trim()).sort(), ['bob@example.net', 'carol@example.net']);
    assert.match(head(id.null as string), / MAILER-DAEMON$/);
    const order = [...byId.keys()];
    assert.equal(order[0], slow, 'active first');
    assert.equal(order.at(-1), held, 'hold last');
  });

  it('-j gives one JSON object per message with Postfix field names and the queue files\' values', () => {
    const r = postqueue(['-j']);
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 6);
    for (const line of lines) {
      assert.match(line, /^\{"queue_name": "/, 'Postfix spacing');
      const m = JSON.parse(line) as JsonMessage;
      assert.deepEqual(Object.keys(m), ['queue_name', 'queue_id', 'arrival_time', 'message_size', 'forced_expire', 'sender', 'recipients']);
      const qf = readQueueFileSync(inst.queue.path(m.queue_name as QueueName, m.queue_id));
      assert.equal(m.message_size, qf.contentSize);
      assert.equal(m.arrival_time, Math.floor(qf.arrivalTime / 1000));
      assert.ok(m.arrival_time >= start - 1);
      assert.equal(m.forced_expire, m.queue_name === 'hold');
      assert.equal(m.sender, qf.sender || 'MAILER-DAEMON');
      assert.deepEqual(m.recipients.map((x) => x.address).sort(), qf.recipients.map((x) => x.address).sort());
      for (const rc of m.recipients) {
        if (m.queue_name === 'active') assert.equal(rc.delay_reason, undefined);
        else assert.match(rc.delay_reason ?? '', REFUSED);
      }
    }
    const names = lines.map((l) => (JSON.parse(l) as JsonMessage).queue_name);
    assert.deepEqual(names, ['active', 'deferred', 'deferred', 'deferred', 'deferred', 'hold']);
  });

  it('mailq and sendmail -bp print what postqueue -p prints', () => {
    const p = postqueue(['-p']).stdout;
    const mailq = run(inst, 'mailq', []);
    assert.equal(mailq.status, 0, mailq.stderr);
    assert.equal(mailq.stdout, p);
    const bp = run(inst, 'sendmail', ['-bp']);
    assert.equal(bp.status, 0, bp.stderr);
    assert.equal(bp.stdout, p);
  });

  it('an unprivileged user without spool access lists the queue through showq', { skip: !isRoot && 'needs root' }, (t) => {
    const outsider = inst.outsider;
    if (!outsider) return t.skip('no separate mail_owner account (postfix) here');
    const file = inst.queue.path('deferred', id['alice@example.org'] as string);
    const cat = spawnSync('cat', [file], { uid: outsider.uid, gid: outsider.gid });
    assert.notEqual(cat.status, 0, 'nobody cannot read the spool');
    const r = postqueue(['-p'], outsider);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, postqueue(['-p']).stdout);
    const j = postqueue(['-j'], outsider);
    assert.equal(j.status, 0, j.stderr);
    assert.equal(j.stdout.split('\n').filter(Boolean).length, 6);
  });

  it('-s SITE delivers the mail queued for that site, reviving its dead destination', async () => {
    await startSink(inst);
    const r = postqueue(['-s', 'example.net']);
    assert.equal(r.status, 0, r.stderr);
    await waitFor('the example.net mail delivered', () => sentTo(id['alice@example.org'] as string) === 2 && sentTo(id.null as string) === 1);
    await waitFor('their queue files removed', async () => (await ids(inst, 'deferred')).length === 2);
    assert.deepEqual((await ids(inst, 'deferred')).sort(), [id['gus@example.org'], id['kim@example.org']].sort(), 'other sites wait');
  });

  it('-i ID delivers that deferred message now, and only it', async () => {
    const gus = id['gus@example.org'] as string;
    const r = postqueue(['-i', gus]);
    assert.equal(r.status, 0, r.stderr);
    await waitFor('gus\'s message delivered', () => sentTo(gus) === 1);
    await waitFor('its queue file removed', async () => !(await ids(inst, 'deferred')).includes(gus));
    assert.deepEqual(await ids(inst, 'deferred'), [id['kim@example.org']]);
  });

  it('-f delivers the rest of the deferred mail; hold/ is left alone', async () => {
    const r = postqueue(['-f']);
    assert.equal(r.status, 0, r.stderr);
    await waitFor('kim\'s message delivered', () => sentTo(id['kim@example.org'] as string) === 1);
    await waitFor('deferred/ empty', async () => (await ids(inst, 'deferred')).length === 0);
    assert.deepEqual(await ids(inst, 'hold'), [id['holder@example.org']]);
  });

  it('bad arguments: Postfix\'s usage and messages, exit 64', () => {
    const cases: [string[], RegExp][] = [
      [[], /^postqueue: fatal: usage: postqueue -f \| postqueue -i queueid \| postqueue -j \| postqueue -p \| postqueue -s site\n$/],
      [['-p', '-j'], /usage: postqueue -f/],
      [['-p', 'extra'], /usage: postqueue -f/],
      [['-s', 'bad site!'], /^postqueue: fatal: Cannot flush mail queue - invalid destination: "bad site!"\n$/],
      [['-s', '[300.1.1.1]'], /invalid destination/],
      [['-i', '../etc'], /^postqueue: fatal: Cannot flush queue ID - invalid name: "\.\.\/etc"\n$/],
    ];
    for (const [args, want] of cases) {
      const r = postqueue(args);
      assert.equal(r.status, 64, args.join(' '));
      assert.match(r.stderr, want, args.join(' '));
    }
  });

  it('with the system down: root reads the spool directly, others get Postfix\'s fatal error', async () => {
    await stopMaster(inst);
    if (isRoot) {
      const r = postqueue(['-p']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /^postqueue: warning: Mail system is down -- accessing queue directly \(Connect to the Mailroom showq service: (No such file or directory|Connection refused)\)\n$/);
      assert.match(r.stdout, new RegExp(`^${id['holder@example.org']}!# `, 'm'));
      assert.match(r.stdout, new RegExp(`^${id['slow@example.org']}\\* `, 'm'));
      const j = postqueue(['-j']);
      assert.equal(j.stdout.split('\n').filter(Boolean).length, 2);
    }
    const user = isRoot ? inst.outsider ?? { uid: 65534, gid: 65534 } : undefined;
    const r = postqueue(['-p'], user);
    assert.equal(r.status, 69);
    assert.match(r.stderr, /^postqueue: fatal: Queue report unavailable - mail system is down \(Connect to the Mailroom showq service: (No such file or directory|Connection refused)\)\n$/);
    const f = postqueue(['-f'], user);
    assert.equal(f.status, 69);
    assert.equal(f.stderr, 'postqueue: fatal: Cannot flush mail queue - mail system is down\n');
  });
});
