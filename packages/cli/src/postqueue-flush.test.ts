/* postqueue-flush: which sites and queue IDs postqueue accepts (Postfix's checks), and the requests' bytes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileFlushTrigger, FLUSH_TRIGGER, siteFlushTrigger } from '@mailroom/global';
import { validAddressLiteral, validHostname } from './postqueue-flush.js';

test('sites: host names and address literals, as Postfix validates them', () => {
  const cases: [string, boolean][] = [
    ['example.com', true], ['mx-1.example.com', true], ['under_score.example', true], ['localhost', true],
    ['bad site', false], ['-lead.example', false], ['trail-.example', false], ['a..b', false], ['', false],
    ['192.0.2.1', false], [`${'a'.repeat(64)}.example`, false], ['exa$mple.com', false],
  ];
  for (const [site, ok] of cases) assert.equal(validHostname(site), ok, site);
  const literals: [string, boolean][] = [
    ['[192.0.2.1]', true], ['[ipv6:2001:db8::1]', true], ['[IPv6:::1]', true],
    ['[300.1.1.1]', false], ['[2001:db8::1]', false], ['[example.com]', false], ['192.0.2.1', false],
  ];
  for (const [site, ok] of literals) assert.equal(validAddressLiteral(site), ok, site);
});

test('the requests postqueue writes to public/qmgr', () => {
  assert.equal(FLUSH_TRIGGER, 'FADI');
  assert.equal(siteFlushTrigger('example.com'), 'Sexample.com\n');
  assert.equal(fileFlushTrigger('4jhlSL5XTpzC40'), 'Q4jhlSL5XTpzC40\n');
});
