import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientLimits } from './limits.js';

test('connection count and rate limits per client address, with exceptions', async () => {
  let now = 1000;
  const limits = new ClientLimits(
    { countLimit: 2, rateLimit: 3, rateUnitMs: 60_000, exempt: async (_n, a) => a === '10.0.0.1' },
    'mx.example.com',
    'smtp',
    () => now,
  );
  assert.equal(await limits.admit('unknown', '192.0.2.1'), undefined);
  assert.equal(await limits.admit('unknown', '192.0.2.1'), undefined);
  const third = await limits.admit('unknown', '192.0.2.1');
  assert.equal(third?.reply.text, 'mx.example.com Error: too many connections from 192.0.2.1');
  assert.equal(third?.reply.code, 421);
  assert.equal(third?.warning, 'Connection concurrency limit exceeded: 3 from unknown[192.0.2.1] for service smtp');
  for (let i = 0; i < 3; i++) limits.release('192.0.2.1');
  assert.equal(limits.active('192.0.2.1'), 0);
  const rate = await limits.admit('unknown', '192.0.2.1');
  assert.match(rate?.warning ?? '', /Connection rate limit exceeded: 4 from/);
  limits.release('192.0.2.1');
  now += 60_000;
  assert.equal(await limits.admit('unknown', '192.0.2.1'), undefined, 'a new time unit');
  for (let i = 0; i < 5; i++) assert.equal(await limits.admit('unknown', '10.0.0.1'), undefined, 'exempt');
});
