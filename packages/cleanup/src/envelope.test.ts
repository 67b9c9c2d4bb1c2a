/* envelope: canonical and masquerading by class, virtual aliases, automatic BCC, duplicates. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CLEANUP_FLAG } from '@mailroom/global';
import { beginOf, cleanupKit, EXTERNAL, LOCAL, submit } from './testkit.js';

const TABLES = {
  canonical: 'joe@example.com joseph.smith@example.com\nann@example.com anne@example.com\n',
  sender_canonical: 'root@example.com admin@example.com\n',
  virtual: 'team@example.com alice@example.com, bob@example.net, carol\nlist@example.com team@example.com, alice@example.com\n',
  sender_bcc: 'joseph.smith@example.com archive-joe@example.net\n',
  recipient_bcc: 'carol@example.com carol-copy@example.net\n',
};

const MAIN = [
  'canonical_maps = texthash:@DIR@/canonical',
  'sender_canonical_maps = texthash:@DIR@/sender_canonical',
  'virtual_alias_maps = texthash:@DIR@/virtual',
  'sender_bcc_maps = texthash:@DIR@/sender_bcc',
  'recipient_bcc_maps = texthash:@DIR@/recipient_bcc',
  'always_bcc = everything@example.net',
  'masquerade_domains = example.com',
].join('\n');

test('virtual alias expansion to three addresses, with originals, BCCs and no duplicates', async (t) => {
  const kit = cleanupKit(MAIN, TABLES);
  t.after(() => kit.remove());
  const r = await submit(
    kit,
    beginOf({
      flags: EXTERNAL,
      sender: 'joe@example.com',
      recipients: [{ address: 'team@example.com', orcpt: 'rfc822;team@example.com', notify: 2 | 8 }, { address: 'bob@example.net' }, { address: 'bob@example.net' }],
    }),
    'Subject: v\r\n\r\nbody\r\n',
  );
  assert.equal(r.done.status, 'ok');
  assert.equal(r.qf?.sender, 'joseph.smith@example.com');
  assert.deepEqual(
    r.qf?.recipients.map((x) => [x.address, x.original, x.notify]),
    [
      ['archive-joe@example.net', 'archive-joe@example.net', 1],
      ['alice@example.com', 'team@example.com', 8],
      ['bob@example.net', 'team@example.com', 8],
      ['carol@example.com', 'team@example.com', 8],
      ['bob@example.net', 'bob@example.net', undefined],
      ['everything@example.net', 'everything@example.net', 1],
    ],
    'SUCCESS is dropped from an expanded recipient; the repeated bob is kept once',
  );
  assert.equal(r.done.nrcpt, 6);
  assert.equal(r.qf?.recipients[1]?.orcpt, 'rfc822;team@example.com');
});

test('recipient_bcc_maps applies before alias expansion; without BCC_OK no automatic copies', async (t) => {
  const kit = cleanupKit(MAIN, TABLES);
  t.after(() => kit.remove());
  let r = await submit(kit, beginOf({ flags: EXTERNAL, recipients: [{ address: 'carol' }] }), 'Subject: b\n\nx\n');
  assert.deepEqual(r.qf?.recipients.map((x) => x.address), ['carol@example.com', 'carol-copy@example.net', 'everything@example.net']);
  r = await submit(kit, beginOf({ flags: CLEANUP_FLAG.MAP_OK, recipients: [{ address: 'carol' }] }), 'Subject: b\n\nx\n');
  assert.deepEqual(r.qf?.recipients.map((x) => x.address), ['carol@example.com']);
});

test('canonical mapping and masquerading by class, in the envelope and in headers', async (t) => {
  const kit = cleanupKit(MAIN, TABLES);
  t.after(() => kit.remove());
  const r = await submit(
    kit,
    beginOf({ ...LOCAL, sender: 'root@example.com', recipients: [{ address: 'ann@host.example.com' }] }),
    'From: root@example.com\nSender: joe@host.sub.example.com\nTo: ann@example.com, x@dev.example.com\nSubject: c\n\nbody\n',
  );
  assert.equal(r.done.status, 'ok');
  assert.equal(r.qf?.sender, 'admin@example.com', 'sender_canonical_maps, then canonical_maps');
  const head = r.head ?? '';
  assert.match(head, /^From: admin@example\.com$/m);
  assert.match(head, /^Sender: joe@example\.com$/m, 'header_sender is masqueraded');
  assert.match(head, /^To: anne@example\.com, x@example\.com$/m, 'header_recipient: canonical and masquerading');
  assert.deepEqual(r.qf?.recipients.map((x) => x.address).slice(0, 1), ['ann@host.example.com'], 'envelope recipients are not masqueraded by default');
});

test('MAILER-DAEMON as sender becomes the null sender; enable_original_recipient = no', async (t) => {
  const kit = cleanupKit('enable_original_recipient = no\nvirtual_alias_maps = texthash:@DIR@/virtual\n', TABLES);
  t.after(() => kit.remove());
  const r = await submit(kit, beginOf({ flags: EXTERNAL, sender: 'MAILER-DAEMON', recipients: [{ address: 'list@example.com' }] }), 'Subject: m\n\nx\n');
  assert.equal(r.qf?.sender, '');
  assert.deepEqual(r.qf?.recipients.map((x) => [x.address, x.original]), [
    ['alice@example.com', 'alice@example.com'],
    ['bob@example.net', 'bob@example.net'],
    ['carol@example.com', 'carol@example.com'],
  ]);
});
