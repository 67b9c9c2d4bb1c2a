import { test } from 'node:test';
import assert from 'node:assert/strict';
import { externalForm, internalForm, isFqdn, splitAddress, splitExtension } from './index.js';

test('splitAddress splits at the last @', () => {
  assert.deepEqual(splitAddress('"a@b"@example.com'), { local: '"a@b"', domain: 'example.com' });
  assert.deepEqual(splitAddress('user@example.com.'), { local: 'user', domain: 'example.com' });
  assert.deepEqual(splitAddress('postmaster'), { local: 'postmaster', domain: '' });
});

test('splitExtension honours every delimiter character and spares owner-/-request', () => {
  const cases: [string, string, string, string][] = [
    ['user+foo', '+', 'user', 'foo'],
    ['user-foo', '+-', 'user', 'foo'],
    ['user+foo+bar', '+', 'user', 'foo+bar'],
    ['user', '+', 'user', ''],
    ['+foo', '+', '+foo', ''],
    ['user+foo', '', 'user+foo', ''],
    ['owner-list', '-', 'owner-list', ''],
    ['list-request', '-', 'list-request', ''],
  ];
  for (const [local, delim, user, ext] of cases) {
    const r = splitExtension(local, delim);
    assert.deepEqual([r.user, r.extension], [user, ext], `${local} with ${delim}`);
  }
});

test('external and internal forms quote and unquote local parts', () => {
  const cases: [string, string][] = [
    ['user@example.com', 'user@example.com'],
    ['first.last@example.com', 'first.last@example.com'],
    ['john doe@example.com', '"john doe"@example.com'],
    ['a"b@example.com', '"a\\"b"@example.com'],
    ['.lead@example.com', '".lead"@example.com'],
    ['', ''],
  ];
  for (const [internal, external] of cases) {
    assert.equal(externalForm(internal), external);
    assert.equal(internalForm(external), internal);
  }
});

test('isFqdn', () => {
  for (const d of ['example.com', 'mx1.example.co.uk', '[127.0.0.1]', 'xn--bcher-kva.example']) assert.ok(isFqdn(d), d);
  for (const d of ['localhost', 'example..com', '-bad.example', '']) assert.ok(!isFqdn(d), d);
});
