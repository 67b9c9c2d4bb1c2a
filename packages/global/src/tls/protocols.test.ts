import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tlsProtocolRange } from './protocols.js';

test('tlsProtocolRange: bounds, include lists, exclusions and errors', () => {
  const cases: [string, string][] = [
    ['>=TLSv1.2', 'TLSv1.2-TLSv1.3'],
    ['', 'TLSv1-TLSv1.3'],
    ['>=TLSv1 <=TLSv1.2', 'TLSv1-TLSv1.2'],
    ['!SSLv2, !SSLv3, !TLSv1, !TLSv1.1', 'TLSv1.2-TLSv1.3'],
    ['TLSv1.3', 'TLSv1.3-TLSv1.3'],
    ['tlsv1.2, TLSv1.3', 'TLSv1.2-TLSv1.3'],
  ];
  for (const [text, want] of cases) {
    const r = tlsProtocolRange(text);
    assert.equal(typeof r === 'string' ? r : `${r.minVersion}-${r.maxVersion}`, want, text);
  }
  assert.match(tlsProtocolRange('TLSv9') as string, /unknown TLS protocol "TLSv9"/);
  assert.match(tlsProtocolRange('>=TLSv1.3 <=TLSv1.2') as string, /no TLS protocol left/);
  assert.match(tlsProtocolRange('SSLv3') as string, /not supported/);
});
