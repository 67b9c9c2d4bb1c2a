/* headers: what cleanup adds, removes and rewrites in the primary headers, per kind of client. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLEANUP_FLAG } from '@mailroom/global';
import { beginOf, cleanupKit, EXTERNAL, LOCAL, submit } from './testkit.js';

const DATE = /^Date: (Sun|Mon|Tue|Wed|Thu|Fri|Sat), [ 123]\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4} \(.+\)$/m;

test('a local submission gets Received, Message-Id, Date and From; Bcc and Return-Path go', async (t) => {
  const kit = cleanupKit();
  t.after(() => kit.remove());
  const r = await submit(
    kit,
    beginOf({ ...LOCAL, sender: 'alice', senderFullname: 'Alice Q. Example', recipients: [{ address: 'bob' }] }),
    'To: bob, Carol <carol>\nBcc: secret\nReturn-Path: <forged@example.net>\nContent-Length: 12\nSubject: hi\n\nbody\n',
  );
  assert.equal(r.done.status, 'ok');
  const id = r.done.queueId;
  const head = r.head ?? '';
  assert.match(head, new RegExp(`^Received: by mail\\.example\\.com \\(Mailroom, from userid 1000\\)\\n\\tid ${id}; `));
  assert.match(head, /^To: bob@example\.com, Carol <carol@example\.com>$/m);
  assert.doesNotMatch(head, /^(Bcc|Return-Path|Content-Length):/im);
  assert.match(head, new RegExp(`^Message-Id: <\\d{14}\\.${id}@mail\\.example\\.com>$`, 'm'));
  assert.match(head, DATE);
  assert.match(head, /^From: "Alice Q\. Example" <alice@example\.com>$/m);
  assert.ok(head.indexOf('Subject: hi') < head.indexOf('Message-Id:'), 'missing headers go at the end');
  assert.ok(r.content?.endsWith('\n\nbody\n') && !r.content.includes('\r'), 'an LF message stays LF');
  assert.equal(r.qf?.sender, 'alice@example.com');
  assert.deepEqual(r.qf?.recipients.map((x) => [x.address, x.original]), [['bob@example.com', 'bob']]);
  assert.ok(kit.logs().some((l) => new RegExp(`^${id}: message-id=<\\d{14}\\.${id}@mail\\.example\\.com>$`).test(l)));
});

test('a remote client gets a Received header only; its header addresses stay as they are', async (t) => {
  const kit = cleanupKit();
  t.after(() => kit.remove());
  const r = await submit(kit, beginOf({ flags: EXTERNAL }), 'To: bob\r\nSubject: x\r\n\r\nbody\r\n');
  const id = r.done.queueId;
  assert.equal(
    r.head,
    `Received: from mx.example.org (mx.example.org [192.0.2.1])\n\tby mail.example.com (Mailroom) with ESMTP id ${id}\n\tfor <rcpt@example.com>; ${r.head?.split('; ')[1]?.split('\n')[0]}\nTo: bob\nSubject: x`,
  );
  assert.ok(kit.logs().includes(`${id}: message-id=<>`));

  const more = cleanupKit('always_add_missing_headers = yes\nremote_header_rewrite_domain = remote.example\n');
  t.after(() => more.remove());
  const r2 = await submit(more, beginOf({ flags: EXTERNAL }), 'To: bob\r\nSubject: x\r\n\r\nbody\r\n');
  assert.match(r2.head ?? '', /^To: bob@remote\.example$/m);
  assert.match(r2.head ?? '', /^Message-Id: </m);
  assert.match(r2.head ?? '', /^From: sender@example\.org$/m);
});

test('clients in local_header_rewrite_clients count as local', async (t) => {
  const kit = cleanupKit('local_header_rewrite_clients = permit_mynetworks, permit_sasl_authenticated, check_address_map inline:{192.0.2.50=x}\nmynetworks = 10.0.0.0/8\n');
  t.after(() => kit.remove());
  const attrs = (a: Record<string, string>): Record<string, string> => ({ client_name: 'c.example', helo_name: 'c', protocol: 'ESMTPA', ...a });
  const cases: [Record<string, string>, boolean][] = [
    [attrs({ client_address: '10.1.2.3' }), true],
    [attrs({ client_address: '192.0.2.9' }), false],
    [attrs({ client_address: '192.0.2.9', sasl_username: 'bob' }), true],
    [attrs({ client_address: '192.0.2.50' }), true],
    [attrs({ client_address: '192.0.2.5' }), false],
    [{ client_address: '192.0.2.9', rewrite_context: 'local' }, true],
    [{ submit_uid: '0', rewrite_context: 'remote' }, false],
  ];
  for (const [a, local] of cases) {
    const r = await submit(kit, beginOf({ flags: EXTERNAL, attributes: a }), 'To: bob\n\nbody\n');
    assert.equal(/^To: bob@example\.com$/m.test(r.head ?? ''), local, JSON.stringify(a));
    assert.equal(/^Message-Id:/m.test(r.head ?? ''), local, JSON.stringify(a));
  }
  const r = await submit(kit, beginOf({ flags: EXTERNAL, attributes: attrs({ client_address: '10.1.2.3' }) }), 'To: bob\n\nbody\n');
  assert.doesNotMatch(r.head ?? '', /^Received: .*\n\t\(Authenticated sender/m, 'no SASL name without smtpd_sasl_authenticated_header');
});

test('Resent- headers: the missing Resent- forms are added, and -t takes Resent- recipients', async (t) => {
  const kit = cleanupKit();
  t.after(() => kit.remove());
  const r = await submit(
    kit,
    beginOf({ ...LOCAL, flags: (LOCAL.flags ?? 0) | CLEANUP_FLAG.EXTRACT_RECIPIENTS, recipients: [] }),
    'From: a@example.org\nTo: old@example.org\nMessage-ID: <orig@example.org>\nDate: Mon, 1 Jan 2024 00:00:00 +0000\nResent-To: new1, new2@example.net\nResent-Bcc: hidden\n\nbody\n',
  );
  assert.equal(r.done.status, 'ok');
  const head = r.head ?? '';
  assert.match(head, /^Resent-Message-Id: </m);
  assert.match(head, /^Resent-Date: /m);
  assert.match(head, /^Resent-From: sender@example\.org$/m);
  assert.doesNotMatch(head, /^Resent-Bcc:/m);
  assert.deepEqual(r.qf?.recipients.map((x) => x.address), ['new1@example.com', 'new2@example.net', 'hidden@example.com']);
  const id = r.done.queueId;
  assert.ok(kit.logs().includes(`${id}: message-id=<orig@example.org>`));
  assert.ok(kit.logs().some((l) => l.startsWith(`${id}: resent-message-id=<`)));
});

test('sendmail -t: recipients from To, Cc and Bcc join the command line ones; Bcc is removed', async (t) => {
  const kit = cleanupKit();
  t.after(() => kit.remove());
  const r = await submit(
    kit,
    beginOf({
      ...LOCAL,
      flags: (LOCAL.flags ?? 0) | CLEANUP_FLAG.EXTRACT_RECIPIENTS,
      recipients: [{ address: 'cmdline@example.net' }],
      attributes: { submit_uid: '1000', notify_flags: '8' },
    }),
    'From: me\nTo: "A. Person" <a@example.org>, b\nCc: group: c@example.org, d@example.org;\nBcc: e@example.org\nSubject: t\n\nbody\n',
  );
  assert.equal(r.done.status, 'ok');
  assert.deepEqual(
    r.qf?.recipients.map((x) => [x.address, x.notify]),
    [['cmdline@example.net', undefined], ['a@example.org', 8], ['b@example.com', 8], ['c@example.org', 8], ['d@example.org', 8], ['e@example.org', 8]],
  );
  assert.doesNotMatch(r.head ?? '', /^Bcc:/m);
  assert.equal(r.qf?.attributes.notify_flags, undefined, 'cleanup-only attributes are not stored');
});

test('too many Received: headers (hopcount_limit) and too many bytes (message_size_limit) are rejected', async (t) => {
  const kit = cleanupKit('hopcount_limit = 5\nmessage_size_limit = 2000\n');
  t.after(() => kit.remove());
  let r = await submit(kit, beginOf(), `${'Received: from x by y; date\r\n'.repeat(4)}Subject: loop\r\n\r\nbody\r\n`);
  assert.deepEqual([r.done.status, r.done.dsn, r.done.reason, r.queue], ['reject', '5.4.0', 'too many hops', undefined]);
  assert.ok(kit.logs().includes(`warning: ${r.done.queueId}: message rejected: hopcount exceeded`));
  r = await submit(kit, beginOf(), `${'Received: from x by y; date\r\n'.repeat(3)}Subject: ok\r\n\r\nbody\r\n`);
  assert.equal(r.done.status, 'ok', 'our own Received: counts too: 4 of 5');

  r = await submit(kit, beginOf(), `Subject: big\r\n\r\n${'0123456789\r\n'.repeat(200)}`, 512);
  assert.deepEqual([r.done.status, r.done.dsn, r.done.reason, r.queue], ['reject', '5.3.4', 'message file too big', undefined]);
});

test('Received: names TLS, IPv6 clients, and leaves out "for" with several recipients', async (t) => {
  const kit = cleanupKit('smtpd_sasl_authenticated_header = yes\n');
  t.after(() => kit.remove());
  const r = await submit(
    kit,
    beginOf({
      recipients: [{ address: 'a@example.com' }, { address: 'b@example.com' }],
      attributes: { client_name: 'unknown', client_address: '2001:db8::5', helo_name: 'laptop', protocol: 'ESMTPSA', tls: 'TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256/256 bits)', sasl_username: 'bob' },
    }),
    'Subject: x\r\n\r\nbody\r\n',
  );
  const id = r.done.queueId;
  assert.match(
    r.head ?? '',
    new RegExp(
      '^Received: from laptop \\(unknown \\[IPv6:2001:db8::5\\]\\)\\n\\t\\(using TLSv1\\.3 with cipher TLS_AES_256_GCM_SHA384 \\(256/256 bits\\)\\)\\n' +
        `\\t\\(Authenticated sender: bob\\)\\n\\tby mail\\.example\\.com \\(Mailroom\\) with ESMTPSA id ${id};\\n\\t[A-Z][a-z]{2}, `,
    ),
  );
});

test('a non-header line ends the headers and gets an empty line before it; undisclosed_recipients_header', async (t) => {
  const kit = cleanupKit('undisclosed_recipients_header = To: undisclosed-recipients:;\n');
  t.after(() => kit.remove());
  const r = await submit(kit, beginOf({ ...LOCAL }), 'Subject: s\nthis is body text\nmore\n');
  assert.match(r.content ?? '', /\nTo: undisclosed-recipients:;\n\nthis is body text\nmore\n$/);
  const none = await submit(kit, beginOf({ ...LOCAL, recipients: [] }), 'Subject: s\n\nbody\n');
  assert.deepEqual([none.done.status, none.done.dsn, none.done.reason], ['reject', '5.1.0', 'no recipients specified']);
});
