/* header-addr: addresses found in header values and replaced in place, table-driven. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findAddresses, parseTableAddresses, replaceAddresses } from './header-addr.js';

test('findAddresses finds each addr-spec, skipping names, comments, groups and routes', () => {
  const cases: [string, string[]][] = [
    [' bob', ['bob']],
    [' Bob <bob@example.com>', ['bob@example.com']],
    [' "Smith, Bob" <bob@example.com>, carol@example.org (Carol)', ['bob@example.com', 'carol@example.org']],
    [' friends: a@x.example, b@y.example;, c@z.example', ['a@x.example', 'b@y.example', 'c@z.example']],
    [' undisclosed-recipients:;', []],
    [' <@relay.example:dave@example.net>', ['dave@example.net']],
    [' "john doe"@example.com', ['john doe@example.com']],
    [' <>', ['']],
    [' Bob\n\t<bob@example.com>,\n carol', ['bob@example.com', 'carol']],
    [' user@[192.0.2.1]', ['user@[192.0.2.1]']],
    [' (only a comment)', []],
  ];
  for (const [text, want] of cases) assert.deepEqual(findAddresses(text).map((s) => s.address), want, text);
});

test('replaceAddresses changes only the addresses and quotes local parts when needed', () => {
  const cases: [string, string[], string][] = [
    [' Bob <bob>, carol (C)', ['bob@example.com', 'carol@example.com'], ' Bob <bob@example.com>, carol@example.com (C)'],
    [' "Smith, Bob" <bob@a.example>', ['bob@b.example'], ' "Smith, Bob" <bob@b.example>'],
    [' x@y', ['john doe@example.com'], ' "john doe"@example.com'],
    [' same@example.com', ['same@example.com'], ' same@example.com'],
  ];
  for (const [text, to, want] of cases) assert.equal(replaceAddresses(text, findAddresses(text), to), want, text);
});

test('parseTableAddresses reads table results', () => {
  assert.deepEqual(parseTableAddresses('a@x, b@y c@z'), ['a@x', 'b@y', 'c@z']);
  assert.deepEqual(parseTableAddresses('"x y"@example.com,other'), ['x y@example.com', 'other']);
  assert.deepEqual(parseTableAddresses(''), []);
});
