import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandArgv } from './command.js';

test('commands run directly when they can, else through the shell', () => {
  assert.deepEqual(commandArgv('/usr/bin/procmail -a x', ''), ['/usr/bin/procmail', '-a', 'x']);
  assert.deepEqual(commandArgv('/bin/x > /tmp/y', ''), ['/bin/sh', '-c', '/bin/x > /tmp/y']);
  assert.deepEqual(commandArgv('exit 75', ''), ['/bin/sh', '-c', 'exit 75']);
  assert.deepEqual(commandArgv('/bin/x', '/usr/sbin/smrsh -c'), ['/usr/sbin/smrsh', '-c', '/bin/x']);
});
