/* scheduler: round-robin, windows, recipient limits, dead destinations and transports. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Message, Routed } from './message.js';
import type { Entry } from './queue.js';
import { Scheduler, type SchedulerSink } from './scheduler.js';
import type { TransportSettings } from './settings.js';
import { fakeMessage, fakeTransport } from './testing.js';
import type { Transport } from './transport.js';

interface Harness {
  s: Scheduler;
  started: { entry: Entry; t: Transport }[];
  deferred: { entry: Entry; dsn: string; reason: string }[];
}

function harness(settings: (name: string) => TransportSettings, deadMs = 60_000): Harness {
  const h: Harness = { s: undefined as unknown as Scheduler, started: [], deferred: [] };
  const sink: SchedulerSink = {
    dispatch: (entry, t) => void h.started.push({ entry, t }),
    defer: (entries, dsn, reason) => entries.forEach((entry) => h.deferred.push({ entry, dsn, reason })),
  };
  h.s = new Scheduler({ transport: (n) => ({ settings: settings(n), socket: '/nonexistent' }), ipc: {}, deadMs, transportRetryMs: 60_000 }, sink);
  return h;
}

const routedOf = (m: Message): Routed[] => m.pending().map((rcpt) => ({ rcpt, address: rcpt.address }));

/** finishAll - complete every started delivery with the outcome, in order. */
function finishAll(h: Harness, ok = true): Entry[] {
  const done = h.started.splice(0);
  for (const { entry, t } of done) h.s.done(entry, t, ok ? { kind: 'ok' } : { kind: 'failed', dsn: '4.4.1', reason: 'connect refused' });
  return done.map((d) => d.entry);
}

test('destinations take turns: a busy one cannot starve another', () => {
  const h = harness((n) => fakeTransport(n, { processLimit: 1 }));
  for (let i = 0; i < 3; i++) h.s.enqueue(fakeMessage(`A${i}`, 1), 'smtp', 'a.example', routedOf(fakeMessage(`A${i}`, 1)));
  for (let i = 0; i < 3; i++) h.s.enqueue(fakeMessage(`B${i}`, 1), 'smtp', 'b.example', routedOf(fakeMessage(`B${i}`, 1)));
  const order: string[] = [];
  h.s.pump();
  while (h.started.length > 0) {
    order.push(...h.started.map((x) => x.entry.queue.nexthop));
    finishAll(h);
    h.s.pump();
  }
  assert.deepEqual(order, ['a.example', 'b.example', 'a.example', 'b.example', 'a.example', 'b.example']);
  h.s.close();
});

test('the window limits deliveries in flight and grows on success', () => {
  const h = harness((n) => fakeTransport(n, {}, { initial: 2, limit: 4 }));
  for (let i = 0; i < 10; i++) {
    const m = fakeMessage(`M${i}`, 1);
    h.s.enqueue(m, 'smtp', 'slow.example', routedOf(m));
  }
  h.s.pump();
  assert.equal(h.started.length, 2, 'initial concurrency');
  const first = h.started.shift();
  assert.ok(first);
  h.s.done(first.entry, first.t, { kind: 'ok' });
  h.s.pump();
  assert.equal(h.started.length, 3, 'window 3 after one success, one in flight -> two more');
  finishAll(h);
  h.s.pump();
  assert.equal(h.started.length, 4, 'stops at the destination concurrency limit');
  h.s.close();
});

test('the transport process limit caps deliveries over all destinations', () => {
  const h = harness((n) => fakeTransport(n, { processLimit: 3 }));
  for (const d of ['a', 'b', 'c', 'd', 'e']) {
    const m = fakeMessage(`X${d}`, 1, `${d}.example`);
    h.s.enqueue(m, 'relay', `${d}.example`, routedOf(m));
  }
  h.s.pump();
  assert.equal(h.started.length, 3);
  assert.deepEqual(h.s.stats(), { transports: 1, queues: 5, busy: 3, waiting: 2 });
  h.s.close();
});

test('recipients are split per destination_recipient_limit', () => {
  const h = harness((n) => fakeTransport(n, { recipientLimit: n === 'local' ? 1 : 50 }));
  const m = fakeMessage('R1', 120);
  h.s.enqueue(m, 'smtp', 'example.net', routedOf(m));
  const l = fakeMessage('L1', 3, 'localhost');
  h.s.enqueue(l, 'local', 'localhost', routedOf(l));
  h.s.pump();
  const sizes = (t: string): number[] => h.started.filter((x) => x.t.name === t).map((x) => x.entry.recipients.length);
  assert.deepEqual(sizes('smtp'), [50, 50, 20]);
  assert.deepEqual(sizes('local'), [1, 1, 1]);
  assert.equal(m.outstanding, 120);
  h.s.close();
});

test('a dead destination defers its waiting mail, and new mail, until revived', () => {
  const h = harness((n) => fakeTransport(n, {}, { initial: 1 }));
  for (let i = 0; i < 4; i++) {
    const m = fakeMessage(`D${i}`, 1);
    h.s.enqueue(m, 'smtp', 'down.example', routedOf(m));
  }
  const fast = fakeMessage('F0', 1);
  h.s.enqueue(fast, 'smtp', 'up.example', routedOf(fast));
  h.s.pump();
  assert.equal(h.started.length, 2);
  const down = h.started.find((x) => x.entry.queue.nexthop === 'down.example');
  assert.ok(down);
  h.started.splice(h.started.indexOf(down), 1);
  h.s.done(down.entry, down.t, { kind: 'failed', dsn: '4.4.1', reason: 'connect to down.example: Connection refused' });
  assert.equal(h.deferred.length, 3, 'the three waiting entries are deferred');
  assert.equal(h.deferred[0]?.reason, 'delivery temporarily suspended: connect to down.example: Connection refused');
  const late = fakeMessage('D9', 1);
  h.s.enqueue(late, 'smtp', 'down.example', routedOf(late));
  assert.equal(h.deferred.length, 4, 'new mail for a dead destination is deferred at once');
  h.s.reviveAll();
  const again = fakeMessage('D10', 1);
  h.s.enqueue(again, 'smtp', 'down.example', routedOf(again));
  h.s.pump();
  assert.ok(h.started.some((x) => x.entry.message === again), 'revived destination takes mail again');
  h.s.close();
});

test('a suspended transport defers everything it holds until revived', () => {
  const h = harness((n) => fakeTransport(n, { processLimit: 1 }));
  for (let i = 0; i < 3; i++) {
    const m = fakeMessage(`T${i}`, 1, `d${i}.example`);
    h.s.enqueue(m, 'smtp', `d${i}.example`, routedOf(m));
  }
  h.s.pump();
  const t = h.started[0]?.t;
  assert.ok(t);
  h.s.suspendTransport(t, '4.3.0', 'mail transport unavailable');
  assert.equal(h.deferred.length, 2);
  assert.ok(h.deferred.every((d) => d.reason === 'mail transport unavailable'));
  finishAll(h);
  const m = fakeMessage('T9', 1);
  h.s.enqueue(m, 'smtp', 'd9.example', routedOf(m));
  assert.equal(h.deferred.length, 3);
  h.s.reviveAll();
  const n = fakeMessage('T10', 1);
  h.s.enqueue(n, 'smtp', 'd9.example', routedOf(n));
  h.s.pump();
  assert.equal(h.started.length, 1);
  h.s.close();
});

test('a message flushed by postqueue -i or -s revives its dead destination (unthrottle)', () => {
  const h = harness((n) => fakeTransport(n, {}, { initial: 1 }));
  const first = fakeMessage('U0', 1);
  h.s.enqueue(first, 'relay', '[127.0.0.1]:2525', routedOf(first));
  h.s.pump();
  const down = h.started.shift();
  assert.ok(down);
  h.s.done(down.entry, down.t, { kind: 'failed', dsn: '4.4.1', reason: 'connect to 127.0.0.1[127.0.0.1]:2525: Connection refused' });
  const plain = fakeMessage('U1', 1);
  h.s.enqueue(plain, 'relay', '[127.0.0.1]:2525', routedOf(plain));
  assert.equal(h.deferred.length, 1, 'the destination is dead');
  const flushed = fakeMessage('U2', 1);
  flushed.unthrottle = true;
  h.s.enqueue(flushed, 'relay', '[127.0.0.1]:2525', routedOf(flushed));
  h.s.pump();
  assert.equal(h.deferred.length, 1, 'not deferred');
  assert.ok(h.started.some((x) => x.entry.message === flushed), 'an attempt is made');
  h.s.close();
});
