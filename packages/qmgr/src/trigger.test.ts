/* trigger: Postfix's request letters and the postqueue -s form, table-driven. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrigger, type TriggerRequest } from './trigger.js';

test('trigger requests', () => {
  const base: TriggerRequest = { incoming: false, deferred: false, flags: {}, reviveAll: false, unknown: [] };
  const cases: [string, Partial<TriggerRequest>][] = [
    ['W', { incoming: true }],
    ['I', { incoming: true }],
    ['A', { incoming: true, flags: { all: true } }],
    ['D', { deferred: true }],
    ['FADI', { incoming: true, deferred: true, reviveAll: true, flags: { all: true, flush: true } }],
    ['Sexample.com\n', { deferred: true, site: 'example.com', flags: { sites: ['example.com'], sitesOnly: true, flush: true } }],
    ['S\n', {}],
    ['Q8ZxY7c1Bqz3\n', { file: '8ZxY7c1Bqz3' }],
    ['Q../x\n', { unknown: ['Q'] }],
    ['Wx', { incoming: true, unknown: ['x'] }],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseTrigger(text), { ...base, ...want }, JSON.stringify(text));
});
