import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DnsResult } from '@mailroom/global';
import { lookupPeer, parseHosts } from './peer.js';
import type { DnsLookup } from './restrictions/context.js';

test('hosts(5) gives the first name of an address', () => {
  const h = parseHosts('127.0.0.1 localhost runsc\n# 10.0.0.1 nope\n::1 ip6-localhost\n192.0.2.1 Mail.Example.com mail\n');
  assert.equal(h.get('127.0.0.1'), 'localhost');
  assert.equal(h.get('::1'), 'ip6-localhost');
  assert.equal(h.get('192.0.2.1'), 'mail.example.com');
  assert.equal(h.get('10.0.0.1'), undefined);
});

test('client hostname: PTR confirmed by a forward lookup, else unknown', async () => {
  const ptr: Record<string, DnsResult<string>> = {
    '192.0.2.1': { status: 'ok', records: ['mail.example.com'] },
    '192.0.2.2': { status: 'ok', records: ['forged.example'] },
    '192.0.2.3': { status: 'tempfail', records: [] },
    '192.0.2.4': { status: 'ok', records: ['bad name!'] },
  };
  const fwd: Record<string, DnsResult<string>> = {
    'mail.example.com': { status: 'ok', records: ['192.0.2.1'] },
    'forged.example': { status: 'ok', records: ['192.0.2.99'] },
  };
  const dns: DnsLookup = {
    ptr: async (a) => ptr[a] ?? { status: 'nxdomain', records: [] },
    addresses: async (n) => fwd[n] ?? { status: 'nxdomain', records: [] },
    mx: async () => ({ status: 'nxdomain', records: [] }),
    txt: async () => ({ status: 'nxdomain', records: [] }),
  };
  assert.deepEqual(await lookupPeer('192.0.2.1', dns), { name: 'mail.example.com', reverseName: 'mail.example.com', nameStatus: 'ok', reverseStatus: 'ok' });
  assert.deepEqual(await lookupPeer('192.0.2.2', dns), { name: 'unknown', reverseName: 'forged.example', nameStatus: 'notfound', reverseStatus: 'ok' });
  assert.deepEqual(await lookupPeer('192.0.2.3', dns), { name: 'unknown', reverseName: 'unknown', nameStatus: 'tempfail', reverseStatus: 'tempfail' });
  assert.equal((await lookupPeer('192.0.2.4', dns)).name, 'unknown', 'a PTR that is no hostname');
  assert.equal((await lookupPeer('192.0.2.5', dns)).reverseStatus, 'notfound');
  assert.equal((await lookupPeer('192.0.2.1', undefined)).name, 'unknown', 'smtpd_peername_lookup = no');
});
