import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsResolver, parseDnsServer, parseResolvConf, reverseName } from './index.js';
import { DnsZoneServer } from './zone-server.js';

test('parseDnsServer accepts addresses with and without ports', () => {
  const cases: [string, { host: string; port: number } | undefined][] = [
    ['127.0.0.1', { host: '127.0.0.1', port: 53 }],
    ['127.0.0.1:5353', { host: '127.0.0.1', port: 5353 }],
    ['::1', { host: '::1', port: 53 }],
    ['[::1]:5353', { host: '::1', port: 5353 }],
    ['[127.0.0.1]', { host: '127.0.0.1', port: 53 }],
    ['dns.example', undefined],
    ['127.0.0.1:x', undefined],
    ['127.0.0.1:70000', undefined],
  ];
  for (const [text, want] of cases) assert.deepEqual(parseDnsServer(text), want, text);
});

test('parseResolvConf reads nameservers and options, defaulting to 127.0.0.1', () => {
  const c = parseResolvConf('# c\nsearch x\nnameserver 10.0.0.1\nnameserver fe80::1%eth0\noptions timeout:1 attempts:3 rotate\n');
  assert.deepEqual(c.servers, [{ host: '10.0.0.1', port: 53 }, { host: 'fe80::1', port: 53 }]);
  assert.equal(c.timeoutMs, 1000);
  assert.equal(c.attempts, 3);
  assert.deepEqual(parseResolvConf('').servers, [{ host: '127.0.0.1', port: 53 }]);
});

test('reverseName builds in-addr.arpa and ip6.arpa names', () => {
  assert.equal(reverseName('192.0.2.1'), '1.2.0.192.in-addr.arpa');
  assert.equal(reverseName('2001:db8::1'), `1.${'0.'.repeat(23)}8.b.d.0.1.0.0.2.ip6.arpa`);
});

test('DnsResolver classifies answers and caches them', async () => {
  const zone = new DnsZoneServer({
    'example.net': { MX: [[20, 'mx2.example.net'], [10, 'mx1.example.net']], TXT: ['v=spf1 -all'] },
    'mx1.example.net': { A: ['127.0.0.2'], AAAA: ['::1'] },
    'alias.example.net': { CNAME: 'mx1.example.net' },
    'null.example': { MX: [[0, '.']] },
    'broken.example': 'servfail',
    '2.0.0.127.in-addr.arpa': { PTR: ['mx1.example.net.'] },
  });
  const port = await zone.start();
  try {
    const r = new DnsResolver({ servers: [{ host: '127.0.0.1', port }], timeoutMs: 500, attempts: 1 });
    assert.deepEqual((await r.mx('Example.NET.')).records, [
      { exchange: 'mx1.example.net', preference: 10 }, { exchange: 'mx2.example.net', preference: 20 },
    ]);
    assert.deepEqual(await r.addresses('mx1.example.net', 4), { status: 'ok', records: ['127.0.0.2'], detail: undefined });
    assert.deepEqual((await r.addresses('mx1.example.net', 6)).records, ['::1']);
    assert.deepEqual((await r.addresses('alias.example.net', 4)).records, ['127.0.0.2'], 'CNAME followed');
    assert.equal((await r.addresses('mx2.example.net', 4)).status, 'nxdomain');
    assert.equal((await r.addresses('example.net', 4)).status, 'nodata');
    assert.deepEqual((await r.txt('example.net')).records, ['v=spf1 -all']);
    assert.deepEqual((await r.mx('null.example')).records, [{ exchange: '', preference: 0 }]);
    assert.equal((await r.mx('broken.example')).status, 'tempfail');
    assert.deepEqual((await r.ptr('127.0.0.2')).records, ['mx1.example.net']);
    assert.equal((await r.mx('bad name')).status, 'nxdomain');
    const before = zone.queries.length;
    await Promise.all([r.mx('example.net'), r.mx('example.net')]);
    assert.equal(zone.queries.length, before, 'answered from the cache');
  } finally {
    await zone.stop();
  }
});

test('DnsResolver reports tempfail when no server answers', async () => {
  const zone = new DnsZoneServer({ 'slow.example': 'timeout' });
  const port = await zone.start();
  try {
    const r = new DnsResolver({ servers: [{ host: '127.0.0.1', port }], timeoutMs: 100, attempts: 2 });
    const res = await r.mx('slow.example');
    assert.equal(res.status, 'tempfail');
    assert.match(res.detail ?? '', /timed out/);
    assert.equal(zone.queries.length, 2);
  } finally {
    await zone.stop();
  }
});
