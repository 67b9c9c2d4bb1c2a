import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BounceRecipient, BounceRequest } from '@mailroom/global';
import { composeNotice } from './compose.js';
import { loadOriginal } from './original.js';
import { planNotices, RET } from './plan.js';
import { collect, dsnGroups, header, parseEntity, parseMultipart, tempQueueFile, testSettings, type Entity } from './testing.js';

const MSG = 'Received: from a by b\n\tid 1; Mon, 1 Jan 2024 00:00:00 +0000\nFrom: <sender@example.com>\nTo: <rcpt@example.net>\nSubject: hello\nMessage-ID: <m1@example.com>\n\nbody line 1\nbody line 2\n';

const failed: BounceRecipient = {
  address: 'rcpt@example.net', original: 'alias@example.net', orcpt: 'rfc822;alias@example.net', action: 'failed', dsn: '5.1.1',
  reason: 'host mx.example.net[192.0.2.1] said: 550 5.1.1 <rcpt@example.net>: Recipient address rejected: User unknown in local recipient table (in reply to RCPT TO command)',
  remoteMta: 'dns; mx.example.net',
};

function request(path: string, id: string, over: Partial<BounceRequest> = {}): BounceRequest {
  return { type: 'notify', kind: 'failure', queueId: id, path, sender: 'sender@example.com', arrivalTime: 1_700_000_000_000, recipients: [failed], ...over };
}

/** notice - compose the first planned notice of `req` and take it apart. */
async function notice(req: BounceRequest, settings = testSettings(), which = 0): Promise<{ top: Entity; parts: Entity[]; text: string }> {
  const plan = planNotices(req, settings).notices[which];
  assert.ok(plan, 'a notice is planned');
  const orig = await loadOriginal(req.path, plan.returnFull, settings.sizeLimit);
  const text = await collect(composeNotice(req, plan, orig, settings, 1_700_000_100_000));
  const top = parseEntity(text);
  return { top, parts: parseMultipart(top), text };
}

test('a non-delivery notice has the three RFC 3464 parts in Postfix form', async (t) => {
  const q = await tempQueueFile(MSG);
  t.after(q.remove);
  const { top, parts } = await notice(request(q.path, q.id));
  assert.equal(header(top, 'from'), 'MAILER-DAEMON@mail.example.org (Mail Delivery System)');
  assert.equal(header(top, 'subject'), 'Undelivered Mail Returned to Sender');
  assert.equal(header(top, 'to'), 'sender@example.com');
  assert.equal(header(top, 'auto-submitted'), 'auto-replied');
  assert.equal(header(top, 'mime-version'), '1.0');
  assert.match(header(top, 'content-type') ?? '', /^multipart\/report; report-type=delivery-status; boundary="[^"]+"$/);
  assert.equal(header(top, 'content-transfer-encoding'), '7bit');
  assert.equal(parts.length, 3);

  const [human, report, returned] = parts as [Entity, Entity, Entity];
  assert.equal(header(human, 'content-description'), 'Notification');
  assert.equal(header(human, 'content-type'), 'text/plain; charset=us-ascii');
  assert.match(human.body, /^This is the mail system at host mail\.example\.org\.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients\. It's attached below\./);
  assert.ok(human.body.endsWith('\n\n<rcpt@example.net> (expanded from <alias@example.net>): host\n' +
    '    mx.example.net[192.0.2.1] said: 550 5.1.1 <rcpt@example.net>: Recipient\n' +
    '    address rejected: User unknown in local recipient table (in reply to RCPT\n' +
    '    TO command)\n'), human.body);
  for (const line of human.body.split('\n')) assert.ok(line.length <= 79, `line too long: ${line}`);

  assert.equal(header(report, 'content-description'), 'Delivery report');
  assert.equal(header(report, 'content-type'), 'message/delivery-status');
  const [msg, rcpt, ...rest] = dsnGroups(report.body);
  assert.equal(rest.length, 0);
  assert.equal(msg?.get('reporting-mta'), 'dns; mail.example.org');
  assert.equal(msg?.get('x-mailroom-queue-id'), q.id);
  assert.equal(msg?.get('x-mailroom-sender'), 'rfc822; sender@example.com');
  assert.match(msg?.get('arrival-date') ?? '', /^\w{3}, \d{1,2} \w{3} 2023 \d\d:\d\d:\d\d [+-]\d{4}( \(\w+\))?$/);
  assert.equal(rcpt?.get('final-recipient'), 'rfc822; rcpt@example.net');
  assert.equal(rcpt?.get('original-recipient'), 'rfc822;alias@example.net');
  assert.equal(rcpt?.get('action'), 'failed');
  assert.equal(rcpt?.get('status'), '5.1.1');
  assert.equal(rcpt?.get('remote-mta'), 'dns; mx.example.net');
  assert.equal(rcpt?.get('diagnostic-code'), 'smtp; 550 5.1.1 <rcpt@example.net>: Recipient address rejected: User unknown in local recipient table');
  assert.equal(rcpt?.has('will-retry-until'), false);

  assert.equal(header(returned, 'content-description'), 'Undelivered Message');
  assert.equal(header(returned, 'content-type'), 'message/rfc822');
  const inner = parseEntity(returned.body);
  assert.equal(header(inner, 'return-path'), '<sender@example.com>');
  assert.equal(header(inner, 'subject'), 'hello');
  assert.equal(header(inner, 'received'), 'from a by b id 1; Mon, 1 Jan 2024 00:00:00 +0000');
  assert.equal(inner.body, 'body line 1\nbody line 2\n');
});

test('what is returned: RET, bounce_size_limit, SMTPUTF8, line ends, 8-bit', async (t) => {
  const big = `${MSG}${'x'.repeat(100)}\n`;
  const cases: { name: string; content: string | Buffer; ret?: number; limit?: number; smtputf8?: boolean; type: string; desc: string; body: RegExp | null; cte?: string }[] = [
    { name: 'RET=FULL', content: MSG, ret: RET.FULL, type: 'message/rfc822', desc: 'Undelivered Message', body: /^body line 1\nbody line 2\n$/ },
    { name: 'RET=HDRS', content: MSG, ret: RET.HDRS, type: 'text/rfc822-headers', desc: 'Undelivered Message Headers', body: null },
    { name: 'larger than bounce_size_limit', content: big, limit: 100, type: 'text/rfc822-headers', desc: 'Undelivered Message Headers', body: null },
    { name: 'bounce_size_limit 0 means no limit', content: big, limit: 0, type: 'message/rfc822', desc: 'Undelivered Message', body: /^body line 1\nbody line 2\nx{100}\n$/ },
    { name: 'CRLF becomes LF, missing final newline', content: MSG.replace(/\n/g, '\r\n').replace(/\r\n$/, ''), type: 'message/rfc822', desc: 'Undelivered Message', body: /^body line 1\nbody line 2\n$/ },
    { name: '8-bit body', content: Buffer.from(`${MSG}caf\u00e9\n`, 'utf8'), type: 'message/rfc822', desc: 'Undelivered Message', body: /café/, cte: '8bit' },
    { name: 'SMTPUTF8 original', content: MSG, smtputf8: true, type: 'message/global', desc: 'Undelivered Message', body: /^body line 1/ },
  ];
  for (const c of cases) {
    const q = await tempQueueFile(c.content, { smtputf8: c.smtputf8 });
    t.after(q.remove);
    const settings = testSettings(c.limit === undefined ? {} : { sizeLimit: c.limit });
    const { top, parts } = await notice(request(q.path, q.id, { ret: c.ret }), settings);
    const returned = parts[2] as Entity;
    assert.equal(header(returned, 'content-type'), c.type, c.name);
    assert.equal(header(returned, 'content-description'), c.desc, c.name);
    assert.equal(header(returned, 'content-transfer-encoding'), c.cte, c.name);
    assert.equal(header(top, 'content-transfer-encoding'), c.cte ?? '7bit', c.name);
    if (c.smtputf8) assert.equal(header(parts[1] as Entity, 'content-type'), 'message/global-delivery-status', c.name);
    const inner = parseEntity(returned.body);
    assert.equal(header(inner, 'subject'), 'hello', c.name);
    if (c.body) assert.match(inner.body, c.body, c.name);
    else assert.equal(inner.body, '', `${c.name}: headers only`);
  }
});

test('delay and success notices', async (t) => {
  const q = await tempQueueFile(MSG);
  t.after(q.remove);
  const delayed: BounceRecipient = { address: 'rcpt@example.net', original: 'rcpt@example.net', action: 'delayed', dsn: '4.4.1', reason: 'connect to mx.example.net[192.0.2.1]:25: Connection refused' };
  const d = await notice(request(q.path, q.id, { kind: 'delay', recipients: [delayed] }));
  assert.equal(header(d.top, 'subject'), 'Delayed Mail (still being retried)');
  assert.match(d.parts[0]?.body ?? '', /# THIS IS A WARNING ONLY\.  YOU DO NOT NEED TO RESEND YOUR MESSAGE\. #/);
  assert.match(d.parts[0]?.body ?? '', /for more than 4 hour\(s\)\.\nIt will be retried until it is 5 day\(s\) old\./);
  assert.match(d.parts[0]?.body ?? '', /\n<rcpt@example\.net>: connect to mx\.example\.net\[192\.0\.2\.1\]:25: Connection refused\n$/);
  const [, dr] = dsnGroups(d.parts[1]?.body ?? '');
  assert.equal(dr?.get('action'), 'delayed');
  assert.equal(dr?.get('original-recipient'), 'rfc822; rcpt@example.net');
  assert.equal(dr?.get('diagnostic-code'), 'X-Mailroom; connect to mx.example.net[192.0.2.1]:25: Connection refused');
  assert.match(dr?.get('will-retry-until') ?? '', /^\w{3}, \d{1,2} Nov 2023 /);
  assert.equal(header(d.parts[2] as Entity, 'content-type'), 'text/rfc822-headers', 'delay notices return headers');

  const sent: BounceRecipient = { address: 'rcpt@example.net', original: 'rcpt@example.net', notify: 2, action: 'delivered', dsn: '2.0.0', reason: 'delivered to mailbox' };
  const s = await notice(request(q.path, q.id, { kind: 'success', recipients: [sent] }));
  assert.equal(header(s.top, 'subject'), 'Successful Mail Delivery Report');
  assert.match(s.parts[0]?.body ?? '', /Your message was successfully delivered to the destination\(s\)/);
  assert.equal(dsnGroups(s.parts[1]?.body ?? '')[1]?.get('action'), 'delivered');
  assert.equal(header(s.parts[2] as Entity, 'content-description'), 'Message Headers');
});

test('a postmaster copy has its own subject, no boiler-plate, headers only', async (t) => {
  const q = await tempQueueFile(MSG);
  t.after(q.remove);
  const settings = testSettings({ notifyClasses: new Set(['bounce']) });
  const { top, parts } = await notice(request(q.path, q.id), settings, 1);
  assert.equal(header(top, 'subject'), 'Postmaster Copy: Undelivered Mail');
  assert.equal(header(top, 'to'), 'postmaster');
  assert.equal(header(top, 'auto-submitted'), 'auto-generated');
  assert.doesNotMatch(parts[0]?.body ?? '', /This is the mail system/);
  assert.match(parts[0]?.body ?? '', /^\n?<rcpt@example\.net> \(expanded from <alias@example\.net>\)/);
  assert.equal(header(parts[2] as Entity, 'content-type'), 'text/rfc822-headers');
});

test('an original that is gone is reported as unavailable; the notice still goes', async () => {
  const req = request('/nonexistent/queue/file', 'ABCDEF');
  const { parts, text } = await notice(req);
  assert.equal(parts.length, 3);
  assert.match(parts[2]?.body ?? '', /--- Undelivered message unavailable ---/);
  assert.match(text, /<rcpt@example\.net>/);
});
