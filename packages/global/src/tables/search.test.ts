/* Tests for the table search orders of virtual(5), canonical(5) and access(5). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTable } from './open.js';
import { accessAddressKeys, addressSearchKeys, clientAddressSearchKeys, domainSearchKeys, lookupAddress } from './search.js';

const keys = (list: { key: string }[]): string[] => list.map((k) => k.key);

test('virtual(5) order with an address extension', () => {
  assert.deepEqual(keys(addressSearchKeys('user+foo@example.com', { recipientDelimiter: '+', localDomain: true })),
    ['user+foo@example.com', 'user@example.com', 'user+foo', 'user', '@example.com']);
  assert.deepEqual(keys(addressSearchKeys('user+foo@example.com', { recipientDelimiter: '+', localDomain: false })),
    ['user+foo@example.com', 'user@example.com', '@example.com']);
  assert.deepEqual(keys(addressSearchKeys('user@example.com', { recipientDelimiter: '+', localDomain: (d) => d === 'example.com' })),
    ['user@example.com', 'user', '@example.com']);
  assert.deepEqual(keys(addressSearchKeys('user+foo@example.com', {})), ['user+foo@example.com', '@example.com']);
  assert.deepEqual(keys(addressSearchKeys('owner-list@example.com', { recipientDelimiter: '-' })), ['owner-list@example.com', '@example.com']);
});

test('access(5) order for addresses, domains and client addresses', () => {
  assert.deepEqual(keys(accessAddressKeys('user+foo@sub.example.com', { recipientDelimiter: '+', parentMatchesSubdomains: true })),
    ['user+foo@sub.example.com', 'user@sub.example.com', 'sub.example.com', 'example.com', 'com', 'user+foo@', 'user@']);
  assert.deepEqual(keys(accessAddressKeys('user@example.com', { parentMatchesSubdomains: false })),
    ['user@example.com', 'example.com', '.com', 'user@']);
  assert.deepEqual(keys(domainSearchKeys('a.b.example.com', false)), ['a.b.example.com', '.b.example.com', '.example.com', '.com']);
  assert.deepEqual(keys(clientAddressSearchKeys('1.2.3.4')), ['1.2.3.4', '1.2.3', '1.2', '1']);
  assert.deepEqual(keys(clientAddressSearchKeys('::ffff:1.2.3.4')), ['1.2.3.4', '1.2.3', '1.2', '1']);
  assert.deepEqual(keys(clientAddressSearchKeys('2001:DB8:1:2:3:4:5:6')).slice(0, 3), ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5', '2001:db8:1:2:3:4']);
  assert.deepEqual(accessAddressKeys('u@x.org', { parentMatchesSubdomains: true }).map((k) => k.partial), [false, true, true, true]);
});

test('lookupAddress: first hit wins, extension reported, pattern tables only see the whole address', async () => {
  const t = openTable('inline:{ user@example.com=u1, @example.com=catchall, other=o1 }');
  const m = await lookupAddress(t, 'User+Foo@Example.com', { recipientDelimiter: '+' });
  assert.equal(m?.value, 'u1');
  assert.equal(m?.extension, 'Foo');
  assert.equal((await lookupAddress(t, 'nobody@example.com'))?.value, 'catchall');
  assert.equal((await lookupAddress(t, 'other@example.org', { localDomain: true }))?.value, 'o1');
  assert.equal(await lookupAddress(t, 'other@example.org', { localDomain: false }), undefined);
  const re = openTable('regexp:{ {/^user@/ full-only}, {/^@/ never-partial} }');
  assert.equal((await lookupAddress(re, 'user+x@example.com', { recipientDelimiter: '+' })), undefined);
  assert.equal((await lookupAddress(re, 'user@example.com'))?.value, 'full-only');
});
