/* transport_maps (every key and result form of transport(5)), sender-dependent maps, relocated_maps. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyTransportEntry, transportSearchKeys } from './transport.js';
import { checkResolve, engineFor, type ResolveCase } from './testing.js';

const TRANSPORT = `
# transport(5) examples
user@example.org      error:5.1.1 user is gone
example.org           smtp:[mx.example.org]:2525
.example.org          relay:
example.net           :[gw.example.net]
slow.example          slow:
keep.example          :
err.example           error:
disc.example          discard:silently dropped
local.example         local:
multi.example         smtp:bar.example, foo.example
*                     smtp:outbound-relay.my.domain
`;

function withTables(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-transport-'));
  fs.writeFileSync(path.join(dir, 'transport'), TRANSPORT);
  fs.writeFileSync(path.join(dir, 'transport.re'), '/^bob@/   lmtp:unix:/run/bob\n/@regexp\\.example$/ smtp:[re.example]\n');
  return fn(dir).finally(() => fs.rmSync(dir, { recursive: true, force: true }));
}

test('transport search keys: full, without extension, domain and parents, wild card', () => {
  const keys = (a: string, parent = false) => transportSearchKeys(a, '+', parent).map((k) => `${k.key}${k.partial ? '' : '!'}`);
  assert.deepEqual(keys('u+x@a.b.example'), ['u+x@a.b.example!', 'u@a.b.example', 'a.b.example', '.b.example', '.example', '*!']);
  assert.deepEqual(keys('u@b.example', true), ['u@b.example!', 'b.example', 'example', '*!']);
  assert.deepEqual(keys('owner-list+x@b.example'), ['owner-list+x@b.example!', 'b.example', '.example', '*!']);
});

test('transport results: transport:nexthop, transport:, :nexthop, :', () => {
  const base = { transport: 'smtp', nexthop: '[relay.example]' };
  const rows: [string, string, string][] = [
    ['uucp:example', 'uucp', 'example'],
    ['slow:', 'slow', 'rcpt.example'],
    [':[gw.example]', 'smtp', '[gw.example]'],
    [':', 'smtp', '[relay.example]'],
    ['', 'smtp', '[relay.example]'],
    ['error:', 'error', 'Address is undeliverable'],
    ['retry:', 'retry', 'Address is undeliverable'],
    ['error:mail for *.example.com is not deliverable', 'error', 'mail for *.example.com is not deliverable'],
    ['smtp:bar.example:2025', 'smtp', 'bar.example:2025'],
    ['lmtp:unix:/run/lmtp', 'lmtp', 'unix:/run/lmtp'],
    ['local', 'local', 'rcpt.example'],
  ];
  for (const [value, transport, nexthop] of rows) {
    assert.deepEqual(applyTransportEntry(value, 'rcpt.example', base), { transport, nexthop }, value);
  }
});

test('resolve with transport_maps (texthash and regexp)', () =>
  withTables(async (dir) => {
    const maps = `regexp:${dir}/transport.re, texthash:${dir}/transport`;
    const engine = await engineFor({ transport_maps: maps, recipient_delimiter: '+', relayhost: '[relayhost.example]' });
    const rows: ResolveCase[] = [
      ['user@example.org', { class: 'default', transport: 'error', nexthop: '5.1.1 user is gone' }],
      ['user+foo@example.org', { transport: 'error', nexthop: '5.1.1 user is gone', recipient: 'user+foo@example.org' }],
      ['other@example.org', { transport: 'smtp', nexthop: '[mx.example.org]:2525' }],
      ['x@sub.example.org', { transport: 'relay', nexthop: 'sub.example.org' }],
      ['x@example.net', { transport: 'smtp', nexthop: '[gw.example.net]' }],
      ['x@slow.example', { transport: 'slow', nexthop: 'slow.example' }],
      ['x@keep.example', { transport: 'smtp', nexthop: '[relayhost.example]' }],
      ['x@err.example', { transport: 'error', nexthop: 'Address is undeliverable' }],
      ['x@disc.example', { transport: 'discard', nexthop: 'silently dropped' }],
      ['x@local.example', { class: 'default', transport: 'local', nexthop: 'local.example' }],
      ['x@multi.example', { transport: 'smtp', nexthop: 'bar.example, foo.example' }],
      ['x@anything.else', { transport: 'smtp', nexthop: 'outbound-relay.my.domain' }],
      // The wild card applies to local mail too: transport(5) says to list local domains with ":".
      ['x@example.com', { class: 'local', transport: 'smtp', nexthop: 'outbound-relay.my.domain' }],
      ['bob@anywhere.example', { transport: 'lmtp', nexthop: 'unix:/run/bob' }],
      ['x@regexp.example', { transport: 'smtp', nexthop: '[re.example]' }],
    ];
    try {
      await checkResolve(engine, rows);
    } finally {
      engine.close();
    }
    const parent = await engineFor({ transport_maps: `texthash:${dir}/transport`, parent_domain_matches_subdomains: 'transport_maps' });
    try {
      await checkResolve(parent, [['x@sub.example.org', { transport: 'smtp', nexthop: '[mx.example.org]:2525' }]], 'parent style');
    } finally {
      parent.close();
    }
  }));

test('virtual alias class is not overridden by transport_maps', async () => {
  const engine = await engineFor({ virtual_alias_domains: 'alias.example', transport_maps: 'inline:{ alias.example=smtp:x }' });
  await checkResolve(engine, [['u@alias.example', { class: 'alias', transport: 'error', nexthop: 'User unknown in virtual alias table' }]]);
  engine.close();
});

test('sender_dependent_relayhost_maps and sender_dependent_default_transport_maps', async () => {
  const engine = await engineFor({
    relayhost: '[global-relay.example]',
    sender_dependent_relayhost_maps:
      'inline:{ alice@example.com=[alice-relay.example]:25, @example.com=[domain-relay.example], <>=[bounce-relay.example], bob@example.com=DUNNO }',
    sender_dependent_default_transport_maps: 'inline:{ carol@example.com=relay2, dave@example.com=DUNNO }',
  });
  const rows: ResolveCase[] = [
    ['u@remote.example', { class: 'default', transport: 'smtp', nexthop: '[alice-relay.example]:25' }, 'alice@example.com'],
    ['u@remote.example', { transport: 'smtp', nexthop: '[domain-relay.example]' }, 'other@example.com'],
    ['u@remote.example', { transport: 'smtp', nexthop: '[bounce-relay.example]' }, ''],
    ['u@remote.example', { transport: 'smtp', nexthop: '[global-relay.example]' }, 'bob@example.com'],
    ['u@remote.example', { transport: 'smtp', nexthop: '[global-relay.example]' }, 'x@elsewhere.example'],
    ['u@remote.example', { transport: 'relay2', nexthop: '[domain-relay.example]' }, 'carol@example.com'],
    ['u@remote.example', { transport: 'smtp', nexthop: '[domain-relay.example]' }, 'dave@example.com'],
    ['u@example.com', { class: 'local', transport: 'local', nexthop: 'mail.example.com' }, 'alice@example.com'],
  ];
  try {
    await checkResolve(engine, rows);
  } finally {
    engine.close();
  }
});

test('relocated_maps: "User has moved"', async () => {
  const engine = await engineFor({ relocated_maps: 'inline:{ old@example.com=new@example.net, @gone.example=contact@example.net }' });
  await checkResolve(engine, [
    ['old@example.com', { class: 'local', transport: 'error', nexthop: '5.1.6 User has moved to new@example.net' }],
    ['x@gone.example', { class: 'default', transport: 'error', nexthop: '5.1.6 User has moved to contact@example.net' }],
    ['new@example.com', { class: 'local', transport: 'local' }],
  ]);
  engine.close();
});
