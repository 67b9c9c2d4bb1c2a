import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commandStatus, printable } from './sysexits.js';

test('a command\'s exit status maps to a delivery status as in Postfix', () => {
  const base = { command: '/bin/x', signal: null, timedOut: false, output: '' };
  const cases: Array<[Partial<Parameters<typeof commandStatus>[0]>, string, string, string]> = [
    [{ code: 0 }, 'sent', '2.0.0', 'delivered to command: /bin/x'],
    [{ code: 75 }, 'deferred', '4.3.0', 'temporary failure'],
    [{ code: 71, output: 'no memory' }, 'deferred', '4.3.0', 'system resource problem. Command output: no memory'],
    [{ code: 67 }, 'bounced', '5.1.1', 'user unknown'],
    [{ code: 1, output: 'oops' }, 'bounced', '5.3.0', 'Command died with status 1: "/bin/x". Command output: oops'],
    [{ code: 1, output: '4.2.2 mailbox full' }, 'deferred', '4.2.2', 'mailbox full'],
    [{ code: null, signal: 'SIGKILL', signalNumber: 9 }, 'deferred', '4.3.0', 'Command died with signal 9: "/bin/x"'],
    [{ code: null, signal: 'SIGKILL', timedOut: true }, 'bounced', '5.3.0', 'Command time limit exceeded: "/bin/x"'],
  ];
  for (const [end, status, dsn, reason] of cases) {
    assert.deepEqual(commandStatus({ ...base, code: null, ...end }), { status, dsn, reason }, JSON.stringify(end));
  }
  assert.equal(printable('a\tb\nc\x01'), 'a b c_');
});
