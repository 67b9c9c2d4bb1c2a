import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BounceRecipient, BounceRequest } from '@mailroom/global';
import { logLabel, NOTIFY, planNotices, RET, wants } from './plan.js';
import { testSettings } from './testing.js';

const r = (address: string, notify?: number): BounceRecipient => ({ address, original: address, notify, action: 'failed', dsn: '5.0.0', reason: 'no' });
const req = (over: Partial<BounceRequest>): BounceRequest => ({
  type: 'notify', kind: 'failure', queueId: 'Q1', path: '/q', sender: 'sender@example.com', arrivalTime: 1, recipients: [r('a@x')], ...over,
});

test('wants follows DSN NOTIFY; no NOTIFY means FAILURE,DELAY', () => {
  const cases: [number | undefined, 'failure' | 'delay' | 'success', boolean][] = [
    [undefined, 'failure', true], [undefined, 'delay', true], [undefined, 'success', false],
    [NOTIFY.NEVER, 'failure', false], [NOTIFY.NEVER, 'delay', false], [NOTIFY.NEVER, 'success', false],
    [NOTIFY.SUCCESS, 'failure', false], [NOTIFY.SUCCESS, 'success', true],
    [NOTIFY.FAILURE, 'failure', true], [NOTIFY.FAILURE, 'delay', false],
    [NOTIFY.DELAY, 'delay', true], [NOTIFY.DELAY, 'failure', false],
    [NOTIFY.SUCCESS | NOTIFY.FAILURE | NOTIFY.DELAY, 'success', true],
  ];
  for (const [notify, kind, want] of cases) assert.equal(wants(r('a@x', notify), kind), want, `${notify} ${kind}`);
});

test('planNotices decides who gets what, as Postfix', () => {
  const pm = new Set(['bounce', 'delay']);
  const cases: { name: string; req: Partial<BounceRequest>; classes?: string[]; want: string[]; warning?: RegExp; info?: RegExp }[] = [
    { name: 'plain bounce', req: {}, want: ['sender failure <>->sender@example.com full critical [a@x]'] },
    { name: 'RET=HDRS', req: { ret: RET.HDRS }, want: ['sender failure <>->sender@example.com hdrs critical [a@x]'] },
    { name: 'NOTIFY=NEVER only', req: { recipients: [r('a@x', NOTIFY.NEVER)] }, want: [] },
    { name: 'NOTIFY mixed', req: { recipients: [r('a@x', NOTIFY.NEVER), r('b@x'), r('c@x', NOTIFY.FAILURE), r('d@x', NOTIFY.DELAY)] }, want: ['sender failure <>->sender@example.com full critical [b@x,c@x]'] },
    { name: 'postmaster copy', req: {}, classes: ['bounce'], want: ['sender failure <>->sender@example.com full critical [a@x]', 'postmaster failure <double-bounce@mail.example.org>->postmaster hdrs copy [a@x]'] },
    { name: 'postmaster copy even when the sender wants none', req: { recipients: [r('a@x', NOTIFY.NEVER)] }, classes: ['bounce'], want: ['postmaster failure <double-bounce@mail.example.org>->postmaster hdrs copy [a@x]'] },
    { name: 'bounce of a bounce, default classes: dropped', req: { sender: '' }, want: [] },
    { name: 'bounce of a bounce, 2bounce', req: { sender: '' }, classes: ['2bounce'], want: ['postmaster failure <double-bounce@mail.example.org>->postmaster full critical copy [a@x]'] },
    { name: 'bounce of a bounce ignores NOTIFY', req: { sender: '', recipients: [r('a@x', NOTIFY.NEVER)] }, classes: ['bounce'], want: ['postmaster failure <double-bounce@mail.example.org>->postmaster full critical copy [a@x]'] },
    { name: 'double bounce never loops', req: { sender: 'double-bounce@mail.example.org' }, classes: [...pm, '2bounce'], want: [], warning: /undeliverable postmaster notification discarded/ },
    { name: 'double bounce, unqualified', req: { sender: 'Double-Bounce' }, classes: ['2bounce'], want: [], warning: /discarded/ },
    { name: 'delay', req: { kind: 'delay' }, want: ['sender delay <>->sender@example.com hdrs critical [a@x]'] },
    { name: 'delay with RET=FULL still returns headers', req: { kind: 'delay', ret: RET.FULL }, want: ['sender delay <>->sender@example.com hdrs critical [a@x]'] },
    { name: 'delay NOTIFY=FAILURE only', req: { kind: 'delay', recipients: [r('a@x', NOTIFY.FAILURE)] }, want: [] },
    { name: 'delay, postmaster class', req: { kind: 'delay' }, classes: ['delay'], want: ['sender delay <>->sender@example.com hdrs critical [a@x]', 'postmaster delay <double-bounce@mail.example.org>->postmaster hdrs copy [a@x]'] },
    { name: 'delay of a bounce without delay class', req: { kind: 'delay', sender: '' }, classes: ['2bounce'], want: [] },
    { name: 'delay of a bounce with delay class', req: { kind: 'delay', sender: '' }, classes: ['delay'], want: ['postmaster delay <double-bounce@mail.example.org>->postmaster full critical copy [a@x]'] },
    { name: 'success', req: { kind: 'success', recipients: [r('a@x', NOTIFY.SUCCESS), r('b@x')] }, want: ['sender success <>->sender@example.com hdrs critical [a@x]'] },
    { name: 'success of a bounce', req: { kind: 'success', sender: '' }, want: [], info: /single-bounce message/ },
    { name: 'success of a double bounce', req: { kind: 'success', sender: 'double-bounce@mail.example.org' }, want: [], info: /double-bounce message/ },
    { name: 'no recipients', req: { recipients: [] }, classes: ['bounce'], want: [] },
  ];
  for (const c of cases) {
    const s = testSettings(c.classes ? { notifyClasses: new Set(c.classes) } : {});
    const plan = planNotices(req(c.req), s);
    const got = plan.notices.map((n) =>
      `${n.audience} ${n.kind} <${n.envelopeSender}>->${n.recipient} ${n.returnFull ? 'full' : 'hdrs'} ${n.critical ? 'critical' : ''}${n.postmasterCopy ? (n.critical ? ' copy' : 'copy') : ''} [${n.recipients.map((x) => x.address).join(',')}]`.replace(/  +/g, ' '));
    assert.deepEqual(got, c.want, c.name);
    if (c.warning) assert.match(plan.warning ?? '', c.warning, c.name);
    if (c.info) assert.match(plan.info ?? '', c.info, c.name);
  }
});

test('logLabel reads like Postfix', () => {
  const s = testSettings({ notifyClasses: new Set(['bounce', 'delay']) });
  assert.deepEqual(planNotices(req({}), s).notices.map(logLabel), ['sender non-delivery notification', 'postmaster non-delivery notification']);
  assert.deepEqual(planNotices(req({ kind: 'delay' }), s).notices.map(logLabel), ['sender delay notification', 'postmaster delay notification']);
  assert.deepEqual(planNotices(req({ kind: 'success', recipients: [r('a@x', NOTIFY.SUCCESS)] }), s).notices.map(logLabel), ['sender delivery status notification']);
});
