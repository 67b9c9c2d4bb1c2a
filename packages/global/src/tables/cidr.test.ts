/* Tests for cidr tables: the cidr_table(5) example, negation, if/endif, families, and Postfix's error texts. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cidrDialect } from './cidr.js';
import { formatIP, parseIPv6 } from './ipaddr.js';
import { compileRules } from './rules.js';
import { sourceLines } from './source.js';

function table(text: string): { get: (k: string) => string | undefined; warnings: string[] } {
  const warnings: string[] = [];
  const log = { warn: (m: string) => warnings.push(m) };
  return { get: compileRules(sourceLines(text, 'client.cidr', log), 'client.cidr', cidrDialect, log), warnings };
}

test('cidr_table(5) example: rule order matters', () => {
  const t = table(`# Rule order matters. Put more specific allowlist entries
# before more general denylist entries.
192.168.1.1             OK
192.168.0.0/16          REJECT
2001:db8::1             OK
2001:db8::/32           REJECT
`);
  const cases: [string, string | undefined][] = [
    ['192.168.1.1', 'OK'],
    ['192.168.77.3', 'REJECT'],
    ['192.169.0.1', undefined],
    ['2001:db8::1', 'OK'],
    ['2001:0db8:0000::0001', 'OK'],
    ['2001:db8:ffff::2', 'REJECT'],
    ['2001:db9::1', undefined],
    ['not-an-address', undefined],
    ['[192.168.1.1]', undefined],
  ];
  for (const [key, want] of cases) assert.equal(t.get(key), want, key);
  assert.deepEqual(t.warnings, []);
});

test('negation, if/endif, prefix 0, brackets, other family never applies', () => {
  const t = table(['if 10.0.0.0/8', '!10.1.0.0/16 not-10.1', '10.1.2.3 ten-one-two-three', 'endif', 'if ![::1]', '[2001:db8::]/32 doc', 'endif',
    '0.0.0.0/0 any-v4', '!::/0 never-for-v4-keys'].join('\n'));
  const cases: [string, string | undefined][] = [
    ['10.2.0.1', 'not-10.1'],
    ['10.1.2.3', 'ten-one-two-three'],
    ['10.1.9.9', 'any-v4'],
    ['2001:db8::5', 'doc'],
    ['::1', undefined],
    ['8.8.8.8', 'any-v4'],
  ];
  for (const [key, want] of cases) assert.equal(t.get(key), want, key);
});

test('bad patterns are skipped with Postfix reasons naming file and line', () => {
  const t = table(['1.2.3.4/24 x', '1.2.3.0/33 x', '1.2.3 x', '[1.2.3.4 x', '[1.2.3.4]x y', '01.2.3.4 x', '1.2.3.4', '2001:db8::1/32 x'].join('\n'));
  assert.deepEqual(t.warnings, [
    'cidr map client.cidr, line 1: non-null host address bits in "1.2.3.4/24", perhaps you should use "1.2.3.0/24" instead: skipping this rule',
    'cidr map client.cidr, line 2: bad net/mask pattern: "1.2.3.0/33": skipping this rule',
    'cidr map client.cidr, line 3: bad address pattern: "1.2.3": skipping this rule',
    `cidr map client.cidr, line 4: missing ']' character after "[1.2.3.4": skipping this rule`,
    'cidr map client.cidr, line 5: garbage after "[1.2.3.4]": skipping this rule',
    'cidr map client.cidr, line 6: bad address pattern: "01.2.3.4": skipping this rule',
    'cidr map client.cidr, line 7: no lookup result: skipping this rule',
    'cidr map client.cidr, line 8: non-null host address bits in "2001:db8::1/32", perhaps you should use "2001:db8::/32" instead: skipping this rule',
  ]);
});

test('IPv6 text forms', () => {
  const cases: [string, string | null][] = [
    ['::', '::'],
    ['::1', '::1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['::ffff:1.2.3.4', '::ffff:102:304'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1::2::3', null],
    ['1:2:3:4:5:6:7:8:9', null],
    ['12345::', null],
  ];
  for (const [text, want] of cases) {
    const b = parseIPv6(text);
    assert.equal(b === null ? null : formatIP(b), want, text);
  }
});
