import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsResolver, DnsZoneServer, loadConfig } from '@mailroom/global';
import { parseNexthop, type Destination } from './nexthop.js';
import { route } from './route.js';
import { loadSettings } from './settings.js';

test('route: MX order, implicit MX, null MX, DNS failures, limits, LMTP and DNS disabled', async () => {
  const zone = new DnsZoneServer({
    'example.net': { MX: [[20, 'mx3.example.net'], [10, 'mx1.example.net'], [10, 'mx2.example.net']] },
    'mx1.example.net': { A: ['127.0.0.11'], AAAA: ['::11'] },
    'mx2.example.net': { A: ['127.0.0.12'] },
    'mx3.example.net': { A: ['127.0.0.13', '127.0.0.14'] },
    'implicit.example': { A: ['127.0.0.20'] },
    'noaddr.example': { TXT: ['x'] },
    'null.example': { MX: [[0, '.']] },
    'deadmx.example': { MX: [[10, 'gone.example']] },
    'flaky.example': 'servfail',
    'lmtp.example': { MX: [[10, 'mx1.example.net']], A: ['127.0.0.30'] },
  });
  const port = await zone.start();
  try {
    const resolver = new DnsResolver({ servers: [{ host: '127.0.0.1', port }], timeoutMs: 500, attempts: 1 });
    const settings = (over: Record<string, string>, proto: 'smtp' | 'lmtp' = 'smtp') =>
      loadSettings(loadConfig({ configDir: '/nonexistent', overrides: { myhostname: 'me.example', inet_protocols: 'ipv4', ...over } }), proto);
    const dest = (text: string, lmtp = false): Destination => (parseNexthop(text, lmtp, lmtp ? 24 : 25) as Destination[])[0]!;
    const addrs = async (text: string, over: Record<string, string> = {}, proto: 'smtp' | 'lmtp' = 'smtp') => {
      const r = await route(dest(text, proto === 'lmtp'), settings(over, proto), resolver);
      return r.ok ? r.endpoints.map((e) => `${e.host}[${e.addr}]:${e.port}`) : `${r.outcome.status} ${r.outcome.dsn} ${r.outcome.reason}`;
    };
    const mx = await addrs('example.net');
    assert.ok(Array.isArray(mx));
    assert.deepEqual([...mx.slice(0, 2)].sort(), ['mx1.example.net[127.0.0.11]:25', 'mx2.example.net[127.0.0.12]:25'], 'preference 10 first, in either order');
    assert.deepEqual(mx.slice(2), ['mx3.example.net[127.0.0.13]:25', 'mx3.example.net[127.0.0.14]:25']);
    assert.equal((await addrs('example.net', { smtp_mx_address_limit: '3' })).length, 3);
    assert.ok((await addrs('example.net', { inet_protocols: 'all' })).includes('mx1.example.net[::11]:25'));
    assert.deepEqual(await addrs('implicit.example:2525'), ['implicit.example[127.0.0.20]:2525']);
    assert.deepEqual(await addrs('[mx2.example.net]:587'), ['mx2.example.net[127.0.0.12]:587']);
    assert.deepEqual(await addrs('inet:lmtp.example', {}, 'lmtp'), ['lmtp.example[127.0.0.30]:24'], 'LMTP never uses MX');
    assert.equal(await addrs('null.example'), 'bounced 5.1.10 Domain null.example does not accept mail (nullMX)');
    assert.equal(await addrs('nosuch.example'), 'bounced 5.4.4 Host or domain name not found. Name service error for name=nosuch.example type=MX: Host not found');
    assert.equal(await addrs('flaky.example'), 'deferred 4.4.3 Host or domain name not found. Name service error for name=flaky.example type=MX: Host not found, try again');
    assert.equal(await addrs('noaddr.example'),
      'bounced 5.4.4 Host or domain name not found. Name service error for name=noaddr.example type=A: Host found but no data record of requested type');
    assert.equal(await addrs('deadmx.example'), 'bounced 5.4.4 Host or domain name not found. Name service error for name=gone.example type=A: Host not found');
    const before = zone.queries.length;
    assert.deepEqual(await addrs('localhost:2525', { smtp_dns_support_level: 'disabled' }), ['localhost[127.0.0.1]:2525'], 'system resolver (/etc/hosts)');
    assert.equal(zone.queries.length, before, 'no DNS query when DNS is disabled');
  } finally {
    await zone.stop();
  }
});
