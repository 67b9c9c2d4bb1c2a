/* Domain and string lists, host name syntax, address literals and our interface addresses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTable } from '@mailroom/global';
import { validHostname } from './hostname.js';
import { canonicalIp, literalAddress, ownAddresses } from './interfaces.js';
import { MatchList } from './match-list.js';
import { tableFiles } from './tables.js';

test('string and domain lists: names, negation, tables, subdomains', async () => {
  const open = (spec: string) => openTable(spec);
  const rows: [kind: 'string' | 'domain', parent: boolean, patterns: string[], name: string, want: boolean][] = [
    ['string', false, ['example.com'], 'EXAMPLE.com', true],
    ['string', false, ['example.com'], 'sub.example.com', false],
    ['string', false, ['.example.com'], 'sub.example.com', false],
    ['string', false, ['!a.example', 'inline:{ a.example=1 }'], 'a.example', false],
    ['string', false, ['inline:{ a.example=1 }'], 'A.Example', true],
    ['domain', true, ['example.com'], 'a.b.example.com', true],
    ['domain', true, ['example.com'], 'badexample.com', false],
    ['domain', false, ['example.com'], 'a.example.com', false],
    ['domain', false, ['.example.com'], 'a.example.com', true],
    ['domain', false, ['.example.com'], 'example.com', false],
    ['domain', true, ['.example.com'], 'a.example.com', true],
    ['domain', true, ['inline:{ example.com=1 }'], 'x.example.com', true],
    ['domain', false, ['inline:{ example.com=1 }'], 'x.example.com', false],
    ['domain', false, ['inline:{ .example.com=1 }'], 'x.example.com', true],
    ['domain', true, ['!x.example.com', 'example.com'], 'x.example.com', false],
    ['domain', true, [], 'example.com', false],
  ];
  for (const [kind, parent, patterns, name, want] of rows) {
    const list = new MatchList('test', patterns, kind, parent, open);
    assert.equal(await list.match(name), want, `${kind}${parent ? '/parent' : ''} ${patterns.join(',')} ~ ${name}`);
  }
});

test('valid host names', () => {
  const rows: [string, boolean][] = [
    ['example.com', true], ['a', true], ['x_y.example', true], ['bücher.example', true],
    ['', false], ['-a.example', false], ['a-.example', false], ['a..b', false], ['192.0.2.1', false],
    [`${'a'.repeat(64)}.example`, false], ['a b.example', false], ['[192.0.2.1]', false],
  ];
  for (const [name, want] of rows) assert.equal(validHostname(name), want, name);
});

test('address literals and canonical addresses', () => {
  const rows: [string, string | undefined][] = [
    ['[192.0.2.1]', '192.0.2.1'], ['[IPv6:::1]', '::1'], ['[ipv6:0:0:0:0:0:0:0:1]', '::1'], ['[::1]', '::1'],
    ['[IPv6:192.0.2.1]', undefined], ['[192.0.2.256]', undefined], ['192.0.2.1', undefined], ['[host]', undefined],
  ];
  for (const [lit, want] of rows) assert.equal(literalAddress(lit), want, lit);
  assert.equal(canonicalIp('2001:DB8:0:0::1'), '2001:db8::1');
});

test('our addresses from inet_interfaces, proxy_interfaces and inet_protocols', async () => {
  const warnings: string[] = [];
  const lookup = async (name: string) => {
    if (name === 'mail.example.com') return ['192.0.2.10', '2001:db8::10'];
    throw new Error('not found');
  };
  const machine = () => ['127.0.0.1', '10.0.0.5', '::1', 'fe80::1'];
  const own = (i: string[], p: string[], proto: string[]) => ownAddresses(i, p, proto, (m) => warnings.push(m), lookup, machine);
  assert.deepEqual([...(await own(['all'], [], ['all']))], ['127.0.0.1', '10.0.0.5', '::1', 'fe80::1']);
  assert.deepEqual([...(await own(['all'], [], ['ipv4']))], ['127.0.0.1', '10.0.0.5']);
  assert.deepEqual([...(await own(['loopback-only'], ['198.51.100.7'], ['all']))], ['127.0.0.1', '::1', '198.51.100.7']);
  assert.deepEqual([...(await own(['mail.example.com', 'nowhere.example'], [], ['all']))], ['192.0.2.10', '2001:db8::10']);
  assert.match(warnings.join('\n'), /nowhere\.example: host not found/);
});

test('the files behind table specs', () => {
  assert.deepEqual(tableFiles('hash:/etc/postfix/transport'), ['/etc/postfix/transport.db']);
  assert.deepEqual(tableFiles('lmdb:/etc/x'), ['/etc/x.lmdb']);
  assert.deepEqual(tableFiles('regexp:/etc/re'), ['/etc/re']);
  assert.deepEqual(tableFiles('inline:{ a=b }'), []);
  assert.deepEqual(tableFiles('unionmap:{ hash:/a, texthash:/b, static:x }'), ['/a.db', '/b']);
});
