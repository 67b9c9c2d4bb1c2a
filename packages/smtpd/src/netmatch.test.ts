import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTable } from '@mailroom/global';
import { NetMatcher } from './netmatch.js';

test('mynetworks-style lists: networks, addresses, names, tables and exceptions', async () => {
  const m = new NetMatcher(
    ['!192.0.2.66', '192.0.2.0/24', '[2001:db8::]/32', '[::1]', 'example.org', '.example.net', 'inline:{ 198.51.100=ok }', '??bad'],
    true,
    (spec) => openTable(spec),
  );
  assert.deepEqual(m.errors, ['??bad']);
  const cases: [string, string, boolean][] = [
    ['unknown', '192.0.2.7', true],
    ['unknown', '::ffff:192.0.2.7', true],
    ['unknown', '192.0.2.66', false],
    ['unknown', '192.0.3.1', false],
    ['unknown', '2001:db8::5', true],
    ['unknown', '::1', true],
    ['mail.example.org', '203.0.113.1', true],
    ['example.org', '203.0.113.1', true],
    ['example.net', '203.0.113.1', false],
    ['x.example.net', '203.0.113.1', true],
    ['unknown', '198.51.100.20', true],
    ['unknown', '203.0.113.1', false],
  ];
  for (const [name, addr, want] of cases) assert.equal(await m.matches(name, addr), want, `${name}[${addr}]`);
  const strict = new NetMatcher(['example.org'], false, (spec) => openTable(spec));
  assert.equal(await strict.matches('mail.example.org', '203.0.113.1'), false, 'no parent matching');
});
