/* addr-map: canonical, virtual alias expansion (three addresses, loops, limits), masquerading. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { map11, map1n, masquerade, type MapContext } from './addr-map.js';
import { CleanupFailure } from './state.js';
import { cleanupKit, type Kit } from './testkit.js';

const VIRTUAL = `
team@example.com      alice@example.com, bob@example.net, carol
self@example.com      self@example.com, copy@example.net
loop1@example.com     loop2@example.com
loop2@example.com     loop1@example.com
chain@example.com     team@example.com
big@example.com       a1, a2, a3, a4, a5, a6
user@example.com      mailbox@example.net
@dom.example          @other.example
`;
const CANONICAL = `
joe@example.com       joseph.smith@example.com
old@example.com       mid@example.com
mid@example.com       new@example.com
@legacy.example       @example.com
`;

function ctxOf(kit: Kit): MapContext {
  return { settings: kit.deps.settings.mapping, rewriter: kit.deps.rewriter, log: kit.log, queueId: 'TESTID' };
}

function kitWith(extra = ''): Kit {
  return cleanupKit(`virtual_alias_maps = texthash:@DIR@/virtual\ncanonical_maps = texthash:@DIR@/canonical\nrecipient_delimiter = +\n${extra}`, {
    virtual: VIRTUAL,
    canonical: CANONICAL,
  });
}

test('virtual alias expansion: lists, chains, self-reference, extensions, @domain', async (t) => {
  const kit = kitWith();
  t.after(() => kit.remove());
  const ctx = ctxOf(kit);
  const v = kit.deps.settings.mapping.virtual;
  assert.ok(v);
  const cases: [string, string[]][] = [
    ['team@example.com', ['alice@example.com', 'bob@example.net', 'carol@example.com']],
    ['chain@example.com', ['alice@example.com', 'bob@example.net', 'carol@example.com']],
    ['self@example.com', ['self@example.com', 'copy@example.net']],
    ['user+tag@example.com', ['mailbox+tag@example.net']],
    ['someone@dom.example', ['someone@other.example']],
    ['nobody@example.com', ['nobody@example.com']],
  ];
  for (const [input, want] of cases) assert.deepEqual(await map1n(ctx, v, input), want, input);
});

test('virtual alias loops and oversized expansions defer the message (4.6.0)', async (t) => {
  const kit = kitWith('virtual_alias_recursion_limit = 20\nvirtual_alias_expansion_limit = 4\n');
  t.after(() => kit.remove());
  const ctx = ctxOf(kit);
  const v = kit.deps.settings.mapping.virtual;
  assert.ok(v);
  for (const [input, why] of [['loop1@example.com', /map nesting/], ['big@example.com', /map expansion size/]] as const) {
    await assert.rejects(map1n(ctx, v, input), (e: unknown) => e instanceof CleanupFailure && e.failure.dsn === '4.6.0' && e.failure.status === 'defer');
    assert.ok(kit.logs().some((l) => why.test(l) && l.includes(`for ${input}`)), `logged: ${why}`);
  }
});

test('canonical mapping follows chains, keeps local parts for @domain, propagates extensions', async (t) => {
  const kit = kitWith();
  t.after(() => kit.remove());
  const ctx = ctxOf(kit);
  const c = kit.deps.settings.mapping.canonical;
  assert.ok(c);
  const cases: [string, string][] = [
    ['joe@example.com', 'joseph.smith@example.com'],
    ['joe+news@example.com', 'joseph.smith+news@example.com'],
    ['old@example.com', 'new@example.com'],
    ['ann@legacy.example', 'ann@example.com'],
    ['other@example.org', 'other@example.org'],
  ];
  for (const [input, want] of cases) assert.equal(await map11(ctx, c, input), want, input);
});

test('masquerading strips subdomains as listed, with ! exemptions and user exceptions', () => {
  const domains = ['!dev.example.com', 'foo.example.com', 'example.com'];
  const cases: [string, string][] = [
    ['u@host.foo.example.com', 'u@foo.example.com'],
    ['u@a.b.example.com', 'u@example.com'],
    ['u@example.com', 'u@example.com'],
    ['u@box.dev.example.com', 'u@box.dev.example.com'],
    ['root@a.b.example.com', 'root@a.b.example.com'],
    ['u@example.org', 'u@example.org'],
    ['u', 'u'],
  ];
  for (const [input, want] of cases) assert.equal(masquerade(input, domains, new Set(['root'])), want, input);
});
