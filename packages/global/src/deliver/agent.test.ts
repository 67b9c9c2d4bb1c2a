import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDelay, statusLine } from './agent.js';
import type { DeliverRequest } from '../protocols/deliver.js';

test('formatDelay prints like Postfix', () => {
  const cases: [number, string][] = [[0, '0'], [0.004, '0.01'], [0.42, '0.42'], [0.5, '0.5'], [1.234, '1.2'], [3, '3'], [12.6, '13']];
  for (const [s, want] of cases) assert.equal(formatDelay(s), want, String(s));
});

test('statusLine reads like a Postfix delivery log line', () => {
  const req: DeliverRequest = {
    type: 'deliver', queueId: 'ABC', path: '/q/active/ABC', contentOffset: 100, contentSize: 10, sender: 'a@x',
    arrivalTime: 1_000_000, transport: 'smtp', nexthop: 'example.net', attributes: {}, activeTime: 1_000_100,
    recipients: [{ address: 'u@example.net', original: 'alias@example.org', offset: 50 }],
  };
  const line = statusLine(req, req.recipients[0]!, {
    offset: 50, status: 'sent', dsn: '2.0.0', reason: '250 2.0.0 Ok', relay: 'mx.example.net[127.0.0.2]:25', connectSeconds: 0.02, transmitSeconds: 0.03,
  }, 1_000_200, 1_000_420);
  assert.equal(line, 'to=<u@example.net>, orig_to=<alias@example.org>, relay=mx.example.net[127.0.0.2]:25, delay=0.42, delays=0.1/0.1/0.02/0.03, dsn=2.0.0, status=sent (250 2.0.0 Ok)');
});
