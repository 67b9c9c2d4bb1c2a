/*
 * cleanup under master: messages submitted through CleanupClient to public/cleanup,
 * with trivial-rewrite running, read back from incoming/ with the queue reader and
 * bin/postcat: virtual alias expansion to three addresses, headers added, a header
 * check REJECT, two messages on one connection, a disconnect leaving nothing behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CleanupClient, cleanupServicePath, CLEANUP_FLAG_MASK_EXTERNAL, readQueueFileSync, type CleanupBegin } from '@mailroom/global';
import { logMessages, makeInstance, ROOT, startMaster, stop, waitFor } from './instance.js';

const MAIN = [
  'myhostname = mail.example.com',
  'mydomain = example.com',
  'myorigin = example.com',
  'mydestination = example.com',
  'virtual_alias_maps = texthash:@DIR@/virtual',
  'header_checks = regexp:@DIR@/header_checks',
].join('\n');

const MASTER_CF = [
  'cleanup   unix  n       -       n       -       0       cleanup',
  'rewrite   unix  -       -       n       -       -       trivial-rewrite',
].join('\n');

const FILES = {
  virtual: 'team@example.com  alice@example.com, bob@example.net, carol\n',
  header_checks: '/^Subject: .*forbidden/  REJECT 5.7.1 not here\n',
};

const begin = (recipients: string[]): CleanupBegin => ({
  type: 'begin',
  flags: CLEANUP_FLAG_MASK_EXTERNAL,
  sender: 'sender@example.org',
  recipients: recipients.map((address) => ({ address })),
  attributes: { client_name: 'mx.example.org', client_address: '192.0.2.7', helo_name: 'mx.example.org', protocol: 'ESMTP' },
});

test('cleanup under master: queue files, postcat, checks, connection reuse, disconnects', { timeout: 90_000 }, async (t) => {
  const inst = makeInstance(MAIN, MASTER_CF, FILES);
  t.after(() => stop(inst));
  await startMaster(inst);
  const socket = cleanupServicePath(inst.spool);
  await waitFor('public/cleanup', () => fs.existsSync(socket));
  const client = new CleanupClient(socket, { timeoutMs: 30_000 });
  t.after(() => client.close());
  const incoming = (): string[] => fs.readdirSync(path.join(inst.spool, 'incoming')).filter((f) => !f.startsWith('.'));

  // Virtual alias expansion to three addresses; Received and Message-ID.
  let ready = '';
  const done = await client.submit(begin(['team@example.com']), ['Subject: hello\r\nFrom: <sender@example.org>\r\n\r\nHello, team.\r\n'], {
    onReady: (id) => (ready = id),
  });
  assert.equal(done.status, 'ok', JSON.stringify(done));
  assert.equal(done.queueId, ready);
  assert.equal(done.nrcpt, 3);
  const file = path.join(inst.spool, 'incoming', done.queueId);
  const qf = readQueueFileSync(file);
  assert.equal(qf.complete, true);
  assert.equal(qf.sender, 'sender@example.org');
  assert.deepEqual(qf.recipients.map((r) => [r.address, r.original]), [
    ['alice@example.com', 'team@example.com'],
    ['bob@example.net', 'team@example.com'],
    ['carol@example.com', 'team@example.com'],
  ]);
  assert.equal(qf.attributes.client_address, '192.0.2.7');
  const postcat = spawnSync(path.join(ROOT, 'bin/postcat'), ['-c', inst.etc, '-q', done.queueId], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(postcat.status, 0, postcat.stderr);
  for (const want of [/^recipient: carol@example\.com$/m, /^original_recipient: team@example\.com$/m, /^\*\*\* MESSAGE CONTENTS /m,
    new RegExp(`^Received: from mx\\.example\\.org \\(mx\\.example\\.org \\[192\\.0\\.2\\.7\\]\\)$`, 'm'),
    new RegExp(`^\\s+by mail\\.example\\.com \\(Mailroom\\) with ESMTP id ${done.queueId}$`, 'm'), /^Hello, team\.$/m]) {
    assert.match(postcat.stdout, want);
  }
  await waitFor('message-id log line', () => logMessages(inst).includes(`${done.queueId}: message-id=<>`));

  // A header check REJECT, then another message on the same connection.
  const rejected = await client.submit(begin(['x@example.com']), ['Subject: something forbidden\r\n\r\nbody\r\n']);
  assert.deepEqual([rejected.status, rejected.dsn, rejected.reason], ['reject', '5.7.1', 'not here']);
  const second = await client.submit(begin(['y@example.net']), ['Subject: again\r\n\r\nbody\r\n']);
  assert.equal(second.status, 'ok');
  assert.deepEqual(incoming().sort(), [done.queueId, second.queueId].sort());
  await waitFor('reject log line', () =>
    logMessages(inst).some((l) => l === `${rejected.queueId}: reject: header Subject: something forbidden from mx.example.org[192.0.2.7]; ` +
      'from=<sender@example.org> to=<x@example.com> proto=ESMTP helo=<mx.example.org>: 5.7.1 not here'));

  // A client that goes away in the middle of the content leaves nothing behind.
  const quitter = new CleanupClient(socket, { timeoutMs: 30_000 });
  const cut = await quitter.begin(begin(['z@example.net']));
  await quitter.write(`Subject: cut\r\n\r\n${'x'.repeat(600_000)}`);
  quitter.close();
  await waitFor('the cut message to vanish', () => !incoming().includes(cut));
  assert.deepEqual(incoming().sort(), [done.queueId, second.queueId].sort());
});
