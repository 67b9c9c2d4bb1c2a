/*
 * End-to-end: trivial-rewrite started by master from a temporary instance (master.cf
 * service `rewrite`), asked over $queue_directory/private/rewrite with RewriteClient as
 * smtpd and cleanup ask it: rewriting, every address class, transport_maps, and a
 * transport table edited while the daemon runs (its cache is dropped, the table reloads).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { RewriteClient } from '@mailroom/global';
import { cleanup, logMessages, makeInstance, ROOT, runMaster, waitFor } from '../master/instance.js';

const MAIN_CF = (etc: string): string => `
myhostname = mail.example.com
mydomain = example.com
myorigin = $mydomain
mydestination = $myhostname, localhost.$mydomain, localhost, $mydomain
relay_domains = relay.example
virtual_alias_domains = alias.example
virtual_mailbox_domains = vmail.example
relayhost = [smarthost.example]:587
transport_maps = texthash:${etc}/transport
`;

test('trivial-rewrite under master answers rewrite and resolve requests', { timeout: 60_000 }, async (t) => {
  let etc = '';
  const inst = await makeInstance('', () => 'rewrite unix - - n - - trivial-rewrite');
  t.after(() => cleanup(inst));
  etc = inst.etc;
  fs.appendFileSync(path.join(etc, 'main.cf'), MAIN_CF(etc));
  fs.writeFileSync(path.join(etc, 'transport'), 'special.example  lmtp:[lmtp.example]:24\n', { mode: 0o644 });
  // master runs $daemon_directory/trivial-rewrite/dist/main.js: point it at the real daemon
  const daemon = path.join(inst.daemons, 'trivial-rewrite', 'dist');
  fs.mkdirSync(daemon, { recursive: true, mode: 0o755 });
  fs.writeFileSync(path.join(daemon, 'main.js'), `import '${path.join(ROOT, 'packages/trivial-rewrite/dist/main.js')}';\n`);

  await runMaster(inst);
  const client = new RewriteClient(path.join(inst.spool, 'private', 'rewrite'), { timeoutMs: 10_000, cacheTtlMs: 0 });
  t.after(() => client.close());

  assert.equal(await client.rewrite('local', 'user'), 'user@example.com');
  assert.equal(await client.rewrite('local', 'host!user'), 'user@host');
  assert.equal(await client.rewrite('remote', 'user'), 'user');

  const rows: [string, string, string, string][] = [
    ['user@example.com', 'local', 'local', 'mail.example.com'],
    ['user%other.example@example.com', 'default', 'smtp', '[smarthost.example]:587'],
    ['u@relay.example', 'relay', 'relay', '[smarthost.example]:587'],
    ['u@alias.example', 'alias', 'error', 'User unknown in virtual alias table'],
    ['u@vmail.example', 'virtual', 'virtual', 'vmail.example'],
    ['u@special.example', 'default', 'lmtp', '[lmtp.example]:24'],
  ];
  for (const [address, cls, transport, nexthop] of rows) {
    const r = await client.resolve('', address);
    assert.deepEqual([r.class, r.transport, r.nexthop, r.flags], [cls, transport, nexthop, 0], address);
  }

  // The administrator edits the table: the running daemon notices within a few seconds.
  fs.writeFileSync(path.join(etc, 'transport'), 'special.example  error:5.7.1 no mail here\n# edited\n', { mode: 0o644 });
  await waitFor('the edited transport table to be used', async () => (await client.resolve('', 'u@special.example')).transport === 'error', 10_000);
  assert.equal((await client.resolve('', 'u@special.example')).nexthop, '5.7.1 no mail here');
  assert.ok(!logMessages(inst).some((l) => /fatal|panic/.test(l)), logMessages(inst).join('\n'));
});
