import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMasterCf } from './mastercf.js';
import { editMasterCf } from './masteredit.js';
import { ConfigError } from './types.js';

const SAMPLE = `# service type  private unpriv  chroot  wakeup  maxproc command + args
smtp      inet  n       -       n       -       -       smtpd
submission inet n       -       n       -       -       smtpd
  -o syslog_name=postfix/submission
  -o { smtpd_client_restrictions = permit_sasl_authenticated, reject }
pickup    unix  n       -       n       60      1       pickup
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
dovecot   unix  -       n       n       -       -       pipe
  flags=DRhu user=vmail:vmail argv=/usr/lib/dovecot/deliver -f \${sender} -d \${recipient}
`;

test('parseMasterCf reads the eight fields, -o overrides and arguments', () => {
  const [smtp, submission, pickup, tlsmgr, dovecot] = parseMasterCf(SAMPLE, 'master.cf');
  assert.equal(smtp?.service, 'smtp');
  assert.equal(smtp?.type, 'inet');
  assert.equal(smtp?.private, false);
  assert.equal(smtp?.unpriv, undefined);
  assert.equal(smtp?.maxproc, undefined);
  assert.deepEqual(submission?.overrides, {
    syslog_name: 'postfix/submission',
    smtpd_client_restrictions: 'permit_sasl_authenticated, reject',
  });
  assert.equal(submission?.line, 3);
  assert.equal(submission?.lastLine, 5);
  assert.equal(pickup?.wakeup, 60);
  assert.equal(pickup?.maxproc, 1);
  assert.equal(tlsmgr?.wakeup, 1000);
  assert.equal(tlsmgr?.wakeupConditional, true);
  assert.deepEqual(dovecot?.args, ['flags=DRhu', 'user=vmail:vmail', 'argv=/usr/lib/dovecot/deliver', '-f', '${sender}', '-d', '${recipient}']);
});

test('parseMasterCf rejects broken lines with file:line', () => {
  const cases: [string, RegExp][] = [
    ['smtp inet n - n - -\n', /^master\.cf:1: bad field count/],
    ['smtp tcp n - n - - smtpd\n', /^master\.cf:1: field "type": bad value: "tcp"/],
    ['\nsmtp inet x - n - - smtpd\n', /^master\.cf:2: field "private": bad value: "x"/],
    ['smtp inet n - n soon - smtpd\n', /field "wakeup": bad value/],
    ['smtp inet n - n - many smtpd\n', /field "maxproc": bad value/],
    ['smtp inet y - n - - smtpd\n', /cannot be private/],
    ['smtp inet n - n - - smtpd\n  -o nonsense\n', /^master\.cf:1: .*-o needs name=value/],
    ['a unix - - n - - x\na unix - - n - - y\n', /^master\.cf:2: duplicate service a\/unix \(first defined at line 1\)/],
  ];
  for (const [text, want] of cases) {
    assert.throws(() => parseMasterCf(text, 'master.cf'), (err: unknown) => err instanceof ConfigError && want.test(err.message));
  }
});

test('-o is an option only before the command\'s other arguments (pipe argv= keeps its own)', () => {
  const [e] = parseMasterCf('dovecot unix - n n - - pipe\n  -o a=b flags=DRhu user=vmail argv=/x -f ${sender} -o keep { a b }\n', 'master.cf');
  assert.deepEqual(e?.overrides, { a: 'b' });
  assert.deepEqual(e?.args, ['flags=DRhu', 'user=vmail', 'argv=/x', '-f', '${sender}', '-o', 'keep', 'a b']);
});

test('editMasterCf sets, removes and comments out one service', () => {
  const set = editMasterCf(SAMPLE, 'master.cf', { kind: 'set', service: 'pickup', type: 'unix', line: 'pickup unix n - n 30 1 pickup' });
  assert.equal(parseMasterCf(set, 'master.cf')[2]?.wakeup, 30);
  const removed = editMasterCf(SAMPLE, 'master.cf', { kind: 'remove', service: 'submission', type: 'inet' });
  assert.ok(!removed.includes('submission') && !removed.includes('syslog_name'));
  const commented = editMasterCf(SAMPLE, 'master.cf', { kind: 'comment', service: 'submission', type: 'inet' });
  assert.ok(commented.includes('#submission inet') && commented.includes('#  -o syslog_name'));
  assert.equal(parseMasterCf(commented, 'master.cf').length, 4);
  assert.throws(() => editMasterCf(SAMPLE, 'master.cf', { kind: 'remove', service: 'nope', type: 'unix' }), /not found/);
});
