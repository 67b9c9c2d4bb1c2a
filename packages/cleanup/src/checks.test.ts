/* checks: every header_checks / body_checks action on a real message, table-driven. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { beginOf, cleanupKit, EXTERNAL, submit, type Submitted } from './testkit.js';

const HEADER_CHECKS = `
/^Subject: act-reject-text/   REJECT 5.7.9 no thanks
/^Subject: act-reject-4/      REJECT 4.7.0 later
/^Subject: act-reject/        REJECT
/^Subject: act-warn/          WARN watch this
/^Subject: act-info/          INFO noted
/^Subject: act-hold/          HOLD held for review
/^Subject: act-discard/       DISCARD
/^Subject: act-ignore/        IGNORE
/^Subject: act-strip/         STRIP gone
/^Subject: act-replace/       REPLACE X-Replaced: yes
/^Subject: act-prepend/       PREPEND X-Prepended: 1
/^Subject: act-redirect/      REDIRECT other@example.net
/^Subject: act-filter/        FILTER smtp:[127.0.0.1]:10025
/^Subject: act-bcc/           BCC spy@example.net
/^Subject: act-dunno/         DUNNO
/^Subject: act-pass/          PASS
/^X-After: /                  REJECT after pass
/^Subject: act-bogus/         FROBNICATE
`;

const BODY_CHECKS = `
/^reject me/          REJECT body says no
/^replace me/         REPLACE replaced line
/^drop me/            IGNORE
/^prepend me/         PREPEND prepended line
/^limit probe/        REJECT over the limit
`;

interface Case {
  subject: string;
  status: string;
  dsn?: string;
  queue?: 'incoming' | 'hold';
  log?: RegExp;
  check?: (r: Submitted) => void;
}

test('header_checks actions', async (t) => {
  const kit = cleanupKit('header_checks = regexp:@DIR@/header_checks\n', { header_checks: HEADER_CHECKS });
  t.after(() => kit.remove());
  const has = (r: Submitted, re: RegExp): boolean => re.test(r.head ?? '');
  const rcpts = (r: Submitted): string[] => (r.qf?.recipients ?? []).map((x) => x.address);
  const cases: Case[] = [
    { subject: 'act-reject-text', status: 'reject', dsn: '5.7.9', log: /: reject: header Subject: act-reject-text from mx\.example\.org\[192\.0\.2\.1\]; from=<sender@example\.org> to=<rcpt@example\.com> proto=ESMTP helo=<mx\.example\.org>: 5\.7\.9 no thanks$/ },
    { subject: 'act-reject-4', status: 'defer', dsn: '4.7.0', log: /: reject: header .*: 4\.7\.0 later$/ },
    { subject: 'act-reject', status: 'reject', dsn: '5.7.1', log: /: reject: header Subject: act-reject .*: 5\.7\.1 message content rejected$/ },
    { subject: 'act-warn', status: 'ok', queue: 'incoming', log: /: warning: header Subject: act-warn from .*helo=<mx\.example\.org>: watch this$/ },
    { subject: 'act-info', status: 'ok', queue: 'incoming', log: /: info: header Subject: act-info .*: noted$/ },
    { subject: 'act-hold', status: 'ok', queue: 'hold', log: /: hold: header Subject: act-hold .*: held for review$/, check: (r) => assert.equal(r.done.held, true) },
    { subject: 'act-discard', status: 'discard', log: /: discard: header Subject: act-discard/ },
    { subject: 'act-ignore', status: 'ok', queue: 'incoming', check: (r) => assert.ok(!has(r, /^Subject:/m)) },
    { subject: 'act-strip', status: 'ok', queue: 'incoming', log: /: strip: header Subject: act-strip .*: gone$/, check: (r) => assert.ok(!has(r, /^Subject:/m)) },
    { subject: 'act-replace', status: 'ok', queue: 'incoming', check: (r) => assert.ok(has(r, /^X-Replaced: yes$/m) && !has(r, /^Subject:/m)) },
    { subject: 'act-prepend', status: 'ok', queue: 'incoming', check: (r) => assert.ok(has(r, /^X-Prepended: 1\nSubject: act-prepend/m)) },
    { subject: 'act-redirect', status: 'ok', queue: 'incoming', log: /: redirect: header .*: other@example\.net$/,
      check: (r) => assert.deepEqual(r.qf?.recipients.map((x) => [x.address, x.original]), [['other@example.net', 'rcpt@example.com']]) },
    { subject: 'act-filter', status: 'ok', queue: 'incoming', log: /: filter: header /,
      check: (r) => assert.equal(r.qf?.attributes.content_filter, 'smtp:[127.0.0.1]:10025') },
    { subject: 'act-bcc', status: 'ok', queue: 'incoming', log: /: bcc: header .*: spy@example\.net$/,
      check: (r) => assert.deepEqual(rcpts(r), ['rcpt@example.com', 'spy@example.net']) },
    { subject: 'act-dunno', status: 'ok', queue: 'incoming', check: (r) => assert.ok(has(r, /^Subject: act-dunno$/m)) },
    { subject: 'act-pass', status: 'ok', queue: 'incoming', log: /: pass: header Subject: act-pass/, check: (r) => assert.ok(has(r, /^X-After: 1$/m)) },
    { subject: 'act-bogus', status: 'ok', queue: 'incoming', log: /^warning: unknown command in header_checks map: FROBNICATE$/ },
  ];
  for (const c of cases) {
    const before = kit.logs().length;
    const r = await submit(kit, beginOf({ flags: EXTERNAL }), `From: a@example.org\r\nSubject: ${c.subject}\r\n${c.subject === 'act-pass' ? 'X-After: 1\r\n' : ''}\r\nbody\r\n`);
    assert.equal(r.done.status, c.status, c.subject);
    assert.equal(r.done.dsn, c.dsn, c.subject);
    assert.equal(r.queue, c.queue, `${c.subject}: queue file kept in ${c.queue ?? 'no queue'}`);
    if (c.log) assert.ok(kit.logs().slice(before).some((l) => c.log?.test(l)), `${c.subject}: log ${c.log} in\n${kit.logs().slice(before).join('\n')}`);
    c.check?.(r);
  }
  assert.equal(kit.wakes, 12, 'qmgr woken for each message in incoming');
});

test('header_checks are skipped without the FILTER flag', async (t) => {
  const kit = cleanupKit('header_checks = regexp:@DIR@/header_checks\n', { header_checks: HEADER_CHECKS });
  t.after(() => kit.remove());
  const r = await submit(kit, beginOf({ flags: 0 }), 'Subject: act-reject\n\nbody\n');
  assert.equal(r.done.status, 'ok');
});

test('body_checks actions, and body_checks_size_limit', async (t) => {
  const kit = cleanupKit('body_checks = regexp:@DIR@/body_checks\nbody_checks_size_limit = 200\n', { body_checks: BODY_CHECKS });
  t.after(() => kit.remove());
  const msg = (body: string): string => `From: a@example.org\r\nSubject: s\r\n\r\n${body}`;
  let r = await submit(kit, beginOf({ flags: EXTERNAL }), msg('hello\r\nreject me please\r\n'));
  assert.deepEqual([r.done.status, r.done.dsn, r.done.reason], ['reject', '5.7.1', 'body says no']);
  assert.ok(kit.logs().some((l) => /: reject: body reject me please from mx\.example\.org\[192\.0\.2\.1\]; .*: 5\.7\.1 body says no$/.test(l)));

  r = await submit(kit, beginOf({ flags: EXTERNAL }), msg('keep\r\nreplace me\r\ndrop me\r\nprepend me\r\nlast line no newline'), 5);
  assert.equal(r.done.status, 'ok');
  const body = (r.content ?? '').split('\r\n\r\n').slice(1).join('\r\n\r\n');
  assert.equal(body, 'keep\r\nreplaced line\r\nprepended line\r\nprepend me\r\nlast line no newline');

  const filler = `${'x'.repeat(70)}\r\n`.repeat(4);
  r = await submit(kit, beginOf({ flags: EXTERNAL }), msg(`${filler}limit probe\r\n`));
  assert.equal(r.done.status, 'ok', 'lines past body_checks_size_limit are not inspected');
});

test('mime_header_checks and nested_header_checks look inside MIME parts', async (t) => {
  const kit = cleanupKit('mime_header_checks = regexp:@DIR@/mime\nnested_header_checks = regexp:@DIR@/nested\n', {
    mime: '/^Content-Disposition:.*filename="?.*\\.exe/  REJECT no executables\n/^Content-Description: tag-me/ REPLACE Content-Description: tagged\n',
    nested: '/^Subject: inner-bad/  REJECT nested message refused\n',
  });
  t.after(() => kit.remove());
  const multipart = (part: string): string =>
    `From: a@example.org\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="BB"\r\n\r\npreamble\r\n--BB\r\nContent-Type: text/plain\r\n\r\nhello\r\n--BB\r\n${part}\r\n--BB--\r\n`;
  let r = await submit(kit, beginOf({ flags: EXTERNAL }), multipart('Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="x.exe"\r\n\r\nAAAA'));
  assert.deepEqual([r.done.status, r.done.reason], ['reject', 'no executables']);

  r = await submit(kit, beginOf({ flags: EXTERNAL }), multipart('Content-Type: message/rfc822\r\n\r\nSubject: inner-bad\r\nFrom: x@y\r\n\r\ninner body'));
  assert.deepEqual([r.done.status, r.done.reason], ['reject', 'nested message refused']);

  const part = 'Content-Type: text/plain\r\nContent-Description: tag-me\r\n\r\nAAAA';
  r = await submit(kit, beginOf({ flags: EXTERNAL }), multipart(part), 11);
  assert.equal(r.done.status, 'ok');
  const want = multipart(part.replace('tag-me', 'tagged'));
  assert.ok(r.content?.endsWith(want.slice(want.indexOf('\r\n\r\n') + 4)), `only the edited header changed:\n${r.content}`);
});
