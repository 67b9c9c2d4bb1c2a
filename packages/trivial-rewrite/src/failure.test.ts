/* Lookup failures give FAIL (callers defer), tables that appear later are used, and helpful warnings. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RESOLVE_FLAG } from '@mailroom/global';
import { checkResolve, engineFor, testLog, type ResolveCase } from './testing.js';

const { FAIL } = RESOLVE_FLAG;
const FAILED = { class: 'default', transport: '', nexthop: '', flags: FAIL } as const;

const CASES: { name: string; over: Record<string, string>; rows: ResolveCase[]; warning: RegExp }[] = [
  {
    name: 'transport_maps cannot be opened',
    over: { transport_maps: 'hash:/nonexistent/transport' },
    rows: [
      ['u@remote.example', FAILED],
      ['u@example.com', FAILED],
    ],
    warning: /^transport_maps lookup failure: hash:\/nonexistent\/transport: open database \/nonexistent\/transport\.db/,
  },
  {
    name: 'mydestination table fails',
    over: { mydestination: 'fail:mydest' },
    rows: [
      ['u@remote.example', FAILED],
      ['u', { class: 'local', transport: 'local', recipient: 'u@mail.example.com' }],
    ],
    warning: /^mydestination lookup failure/,
  },
  {
    name: 'relay_domains table fails: remote mail defers, local mail flows',
    over: { relay_domains: 'texthash:/nonexistent/relay' },
    rows: [
      ['u@remote.example', FAILED],
      ['u@example.com', { class: 'local', transport: 'local' }],
    ],
    warning: /^relay_domains lookup failure/,
  },
  {
    name: 'sender_dependent_relayhost_maps fails',
    over: { sender_dependent_relayhost_maps: 'fail:x' },
    rows: [['u@remote.example', FAILED, 'a@example.com']],
    warning: /^sender_dependent_relayhost_maps lookup failure/,
  },
  {
    name: 'a null transport in main.cf',
    over: { default_transport: ':[x.example]' },
    rows: [['u@remote.example', FAILED]],
    warning: /main\.cf: parameter default_transport: null transport is not allowed$/,
  },
];

for (const c of CASES) {
  test(`FAIL: ${c.name}`, async () => {
    const log = testLog();
    const engine = await engineFor(c.over, log);
    try {
      await checkResolve(engine, c.rows, c.name);
      assert.ok(log.warnings.some((w) => c.warning.test(w)), `${c.name}: ${JSON.stringify(log.warnings)}`);
    } finally {
      engine.close();
    }
  });
}

test('a table that cannot be opened is used once it exists (after postmap)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-rewrite-'));
  const file = path.join(dir, 'transport');
  const engine = await engineFor({ transport_maps: `texthash:${file}` });
  try {
    await checkResolve(engine, [['u@remote.example', FAILED]]);
    fs.writeFileSync(file, 'remote.example  relay:[gw.example]\n');
    await new Promise((r) => setTimeout(r, 1100));
    await checkResolve(engine, [['u@remote.example', { class: 'default', transport: 'relay', nexthop: '[gw.example]' }]]);
  } finally {
    engine.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('helpful_warnings: a domain in two class lists', async () => {
  const over = {
    virtual_alias_domains: 'dup.example, both.example',
    virtual_mailbox_domains: 'dup.example, example.com',
    relay_domains: 'both.example',
  };
  const log = testLog();
  const engine = await engineFor(over, log);
  await checkResolve(engine, [
    ['u@dup.example', { class: 'alias', transport: 'error', nexthop: 'User unknown in virtual alias table' }],
    ['u@both.example', { class: 'alias' }],
    ['u@example.com', { class: 'local' }],
  ]);
  engine.close();
  assert.deepEqual(log.warnings, [
    'do not list domain dup.example in BOTH virtual_alias_domains and virtual_mailbox_domains',
    'do not list domain both.example in BOTH virtual_alias_domains and relay_domains',
    'do not list domain example.com in BOTH mydestination and virtual_mailbox_domains',
  ]);
  const quiet = testLog();
  const e2 = await engineFor({ ...over, helpful_warnings: 'no' }, quiet);
  await checkResolve(e2, [['u@dup.example', { class: 'alias' }]]);
  e2.close();
  assert.deepEqual(quiet.warnings, []);
});
