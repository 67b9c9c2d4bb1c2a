import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger, loadConfig, openTable } from '@mailroom/global';
import { parseNexthop, type Destination } from './nexthop.js';
import { loadSettings } from './settings.js';
import { TlsPolicies } from './tls-policy.js';

function policies(main: Record<string, string>, table?: string): { p: TlsPolicies; warnings: () => string[]; done: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-tlspol-'));
  const logFile = path.join(dir, 'log');
  const log = createLogger({ service: 'smtp', file: logFile, sync: true, level: 'debug' });
  let t;
  if (table !== undefined) {
    fs.writeFileSync(path.join(dir, 'policy'), table);
    t = openTable(`texthash:${path.join(dir, 'policy')}`);
  }
  const s = loadSettings(loadConfig({ configDir: dir, overrides: main }), 'smtp');
  let p: TlsPolicies;
  try {
    p = new TlsPolicies(s.tls, t, log);
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    p,
    warnings: () => fs.readFileSync(logFile, 'utf8').split('\n').filter(Boolean).map((l) => String((JSON.parse(l) as { msg: string }).msg)),
    done: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

const dest = (text: string): Destination => (parseNexthop(text, false, 25) as Destination[])[0]!;

test('tls policy: exact keys for [host]:port, parent-domain keys for domains, dane as may', async () => {
  const { p, done } = policies({ smtp_tls_security_level: 'dane' }, [
    '[mx.example.com]:587 encrypt protocols=TLSv1.3',
    'example.org verify match=hostname:nexthop',
    '.example.org secure',
    'example.net none servername=x',
    '',
  ].join('\n'));
  try {
    const level = async (text: string): Promise<string> => {
      const r = await p.lookup(dest(text));
      return r.ok ? `${r.policy.level} ${r.policy.match.join(':')} ${r.policy.protocols.minVersion}` : r.outcome.reason;
    };
    assert.equal(await level('[mx.example.com]:587'), 'encrypt  TLSv1.3');
    assert.equal(await level('[mx.example.com]'), 'may  TLSv1.2', 'no entry: the global level (dane acts as may)');
    assert.equal(await level('example.org'), 'verify hostname:nexthop TLSv1.2');
    assert.equal(await level('mail.sub.example.org'), 'secure nexthop:dot-nexthop TLSv1.2', 'parent domain, main.cf match list');
    assert.equal(await level('example.org:2525'), 'may  TLSv1.2', 'a destination with a port is looked up exactly');
    assert.equal(await level('example.net'), 'none  TLSv1.2', 'attributes are ignored (with a warning) when TLS is off');
  } finally {
    done();
  }
});

test('tls policy: an invalid level, dane-only or a bad protocol list fails closed; a bad global level is fatal', async () => {
  const { p, warnings, done } = policies({}, '[a.example] maybe\n[b.example] dane-only\n[c.example] encrypt protocols=TLSv9\n');
  try {
    for (const d of ['[a.example]', '[b.example]', '[c.example]']) {
      const r = await p.lookup(dest(d));
      assert.deepEqual(r.ok ? r.policy.level : r.outcome, { status: 'deferred', dsn: '4.7.5', reason: 'client TLS configuration problem' });
    }
    const w = warnings().join('\n');
    assert.match(w, /smtp_tls_policy_maps, next-hop destination "\[a\.example\]": invalid security level "maybe"/);
    assert.match(w, /dane-only configured, but DNSSEC validation is not available/);
    assert.match(w, /invalid TLS protocol list "TLSv9"/);
  } finally {
    done();
  }
  assert.throws(() => policies({ smtp_tls_security_level: 'sometimes' }), /invalid tls security level: "sometimes"/);
});
