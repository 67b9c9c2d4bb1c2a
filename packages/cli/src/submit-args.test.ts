/* submit-args: sendmail's command line, table-driven against Postfix's behaviour. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dsnNotifyMask, parseSendmailArgs, UsageError, type SendmailOptions } from './submit-args.js';

const parse = (args: string[], prog?: string): SendmailOptions => parseSendmailArgs(args, prog);

test('sendmail options map to modes, envelope and flags', () => {
  const cases: [string[], Partial<SendmailOptions>][] = [
    [['a@b'], { mode: 'enqueue', recipients: ['a@b'], dotEndsInput: true }],
    [['-t', '-i'], { extract: true, dotEndsInput: false, recipients: [] }],
    [['-oi', 'x'], { dotEndsInput: false, recipients: ['x'] }],
    [['-o', 'i', 'x'], { dotEndsInput: false }],
    [['-f', 'me@x', '-F', 'Me Myself', 'a'], { sender: 'me@x', fullname: 'Me Myself' }],
    [['-fme@x', 'a'], { sender: 'me@x' }],
    [['-r', 'me@x', 'a'], { sender: 'me@x' }],
    [['-N', 'success,delay', 'a'], { notify: 2 | 4 }],
    [['-N', 'never', 'a'], { notify: 1 }],
    [['-R', 'hdrs', 'a'], { ret: 2 }],
    [['-R', 'FULL', 'a'], { ret: 1 }],
    [['-R', '1000', 'a'], { ret: undefined }],
    [['-V', 'envid-1', 'a'], { envid: 'envid-1' }],
    [['-B', '8BITMIME', 'a'], { body: '8BITMIME' }],
    [['-G', 'a'], { gateway: true }],
    [['-v', 'a'], { deliveryReport: true, verbose: 0 }],
    [['-v', '-v', 'a'], { deliveryReport: false, verbose: 2 }],
    [['-C', '/etc/x/main.cf', 'a'], { configDir: '/etc/x' }],
    [['-C', '/etc/x', 'a'], { configDir: '/etc/x' }],
    [['-bp'], { mode: 'mailq' }],
    [['-bi'], { mode: 'newaliases' }],
    [['-I'], { mode: 'newaliases' }],
    [['-bs'], { mode: 'smtp' }],
    [['-bd'], { mode: 'daemon' }],
    [['-bh'], { mode: 'ignore' }],
    [['-bm', 'a'], { mode: 'enqueue' }],
    [['-q'], { mode: 'flush' }],
    [['-q1h'], { queueInterval: '1h', mode: 'enqueue' }],
    [['-qRexample.com'], { flushSite: 'example.com' }],
    [['-qIABC'], { flushId: 'ABC' }],
    [['-oA/etc/aliases', '-bi'], { aliasDatabase: '/etc/aliases', mode: 'newaliases' }],
    [['-L', 'tag', '-h', '5', '-om', '-o7', '-U', '-m', '-x', 'a'], { recipients: ['a'] }],
    [['-ti', 'a'], { extract: true, dotEndsInput: false }],
    [['a', '-t'], { extract: false, recipients: ['a', '-t'] }], // options end at the first recipient
    [['--', '-a'], { recipients: ['-a'] }],
    [[], { mode: 'mailq' }],
  ];
  for (const [args, want] of cases) {
    const got = parse(args, args.length === 0 ? 'mailq' : 'sendmail');
    for (const [k, v] of Object.entries(want)) assert.deepEqual(got[k as keyof SendmailOptions], v, `${args.join(' ')}: ${k}`);
  }
  assert.equal(parse([], 'newaliases').mode, 'newaliases');
});

test('bad command lines are usage errors with Postfix wording', () => {
  const cases: [string[], RegExp][] = [
    [['-n', 'a'], /-n option not supported/],
    [['-B', '8bit', 'a'], /-B option needs 8BITMIME or 7BIT/],
    [['-bz'], /unsupported: -bz/],
    [['-Xfile'], /unsupported: -Xf/],
    [['-XV', 'a'], /VERP/],
    [['-V', '+=', 'a'], /VERP/],
    [['-z'], /usage: sendmail/],
    [['-f'], /usage: sendmail/],
    [['-t', '-bp'], /-t can be used only in delivery mode/],
    [['-bp', 'a'], /display queue mode requires no recipient/],
    [['-q', 'a'], /flush queue mode requires no recipient/],
    [['-bi', 'a'], /alias initialization mode requires no recipient/],
    [['-bs', 'a'], /stand-alone mode requires no recipient/],
    [['-qR'], /specify: -qRsitename/],
    [['-qX'], /-qX is not implemented/],
    [['-qRsite', 'a'], /flush site requires no recipient/],
    [['-oA'], /-oA requires pathname/],
  ];
  for (const [args, re] of cases) {
    assert.throws(() => parse(args), (err: unknown) => err instanceof UsageError && re.test(err.message) && err.status === 64, args.join(' '));
  }
});

test('bad -N and -V values are ignored with a warning', () => {
  assert.deepEqual(parse(['-N', 'sometimes', 'a']).warnings, ['bad -N option value -- ignored']);
  assert.deepEqual(parse(['-V', 'x'.repeat(101), 'a']).warnings, ['too long -V option value -- ignored']);
  assert.deepEqual(parse(['-V', 'a\tb', 'a']).warnings, ['bad syntax in -V option value -- ignored']);
  assert.equal(parse(['-V', 'a\tb', 'a']).envid, undefined);
});

test('DSN NOTIFY masks', () => {
  const cases: [string, number][] = [
    ['never', 1], ['success', 2], ['delay', 4], ['failure', 8], ['SUCCESS,FAILURE', 10],
    ['delay, failure', 12], ['never,success', 0], ['bogus', 0], ['', 0],
  ];
  for (const [text, mask] of cases) assert.equal(dsnNotifyMask(text), mask, text);
});
