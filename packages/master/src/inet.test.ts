/* inet: master.cf inet service names and listen addresses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listenAddresses, servicePort, splitInetService } from './inet.js';

test('splitInetService', () => {
  const cases: [string, string, string][] = [
    ['smtp', '', 'smtp'],
    ['127.0.0.1:2525', '127.0.0.1', '2525'],
    ['[::1]:25', '::1', '25'],
    ['localhost:submission', 'localhost', 'submission'],
  ];
  for (const [name, host, port] of cases) assert.deepEqual(splitInetService(name), { host, port }, name);
});

test('servicePort', () => {
  assert.equal(servicePort('2525'), 2525);
  assert.equal(servicePort('smtp'), 25);
  assert.equal(servicePort('submission'), 587);
  assert.equal(servicePort('70000'), undefined);
  assert.equal(servicePort('no-such-service'), undefined);
});

test('listenAddresses', async () => {
  assert.deepEqual(await listenAddresses('127.0.0.1', ['all'], ['all']), [{ host: '127.0.0.1', family: 4 }]);
  assert.deepEqual(await listenAddresses('', ['loopback-only'], ['ipv4']), [{ host: '127.0.0.1', family: 4 }]);
  assert.deepEqual(await listenAddresses('', ['all'], ['ipv4']), [{ host: '0.0.0.0', family: 4 }]);
  assert.deepEqual(await listenAddresses('', ['all'], ['ipv6']), [{ host: '::', family: 6, ipv6Only: true }]);
  assert.deepEqual(await listenAddresses('', ['127.0.0.1', '[::1]'], ['ipv4', 'ipv6']), [
    { host: '127.0.0.1', family: 4 },
    { host: '::1', family: 6 },
  ]);
});
