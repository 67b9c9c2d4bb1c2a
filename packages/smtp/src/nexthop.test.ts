import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseNexthop } from './nexthop.js';
import { servicePort } from './settings.js';

/** strip - the parse without the `text` field (tested on its own below). */
function strip(r: ReturnType<typeof parseNexthop>): unknown {
  return typeof r === 'string' ? r : r.map(({ text: _text, ...d }) => d);
}

test('parseNexthop keeps each destination as written, the policy lookup key', () => {
  const r = parseNexthop('[Mx.Example]:587, example.net, unix:/run/lmtp', false, 25);
  assert.deepEqual(typeof r === 'string' ? r : r.map((d) => d.text), ['[Mx.Example]:587', 'example.net', '/run/lmtp']);
});

test('parseNexthop understands smtp(8) destinations', () => {
  const cases: [string, unknown][] = [
    ['example.net', [{ kind: 'inet', host: 'example.net', port: 25, mx: true }]],
    ['Example.NET.:2525', [{ kind: 'inet', host: 'example.net', port: 2525, mx: true }]],
    ['[mx.example.net]', [{ kind: 'inet', host: 'mx.example.net', port: 25, mx: false }]],
    ['[127.0.0.1]:2525', [{ kind: 'inet', host: '127.0.0.1', port: 2525, mx: false }]],
    ['[ipv6:::1]:26', [{ kind: 'inet', host: '::1', port: 26, mx: false }]],
    ['[::1]', [{ kind: 'inet', host: '::1', port: 25, mx: false }]],
    ['127.0.0.1', [{ kind: 'inet', host: '127.0.0.1', port: 25, mx: false }]],
    ['[a.example]:submission, b.example', [
      { kind: 'inet', host: 'a.example', port: 587, mx: false }, { kind: 'inet', host: 'b.example', port: 25, mx: true }]],
    ['example.net:', 'bad destination syntax: example.net:'],
    ['example.net:nosuch', 'bad port in destination: example.net:nosuch'],
    ['', 'empty destination'],
  ];
  for (const [text, want] of cases) assert.deepEqual(strip(parseNexthop(text, false, 25)), want, text);
});

test('parseNexthop understands lmtp(8) destinations and never asks for MX', () => {
  const cases: [string, unknown][] = [
    ['unix:/var/run/dovecot/lmtp', [{ kind: 'unix', path: '/var/run/dovecot/lmtp' }]],
    ['unix:private/dovecot-lmtp', [{ kind: 'unix', path: 'private/dovecot-lmtp' }]],
    ['inet:mail.example', [{ kind: 'inet', host: 'mail.example', port: 24, mx: false }]],
    ['inet:mail.example:2424', [{ kind: 'inet', host: 'mail.example', port: 2424, mx: false }]],
    ['inet:[127.0.0.1]:2424', [{ kind: 'inet', host: '127.0.0.1', port: 2424, mx: false }]],
    ['[127.0.0.1]:lmtp', [{ kind: 'inet', host: '127.0.0.1', port: 24, mx: false }]],
    ['unix:', 'bad destination syntax: unix:'],
  ];
  for (const [text, want] of cases) assert.deepEqual(strip(parseNexthop(text, true, 24)), want, text);
});

test('servicePort takes numbers and well-known names', () => {
  assert.equal(servicePort('2525', 0), 2525);
  assert.equal(servicePort('smtp', 0), 25);
  assert.equal(servicePort('70000', 7), 7);
  assert.equal(servicePort('nosuch', 7), 7);
});
