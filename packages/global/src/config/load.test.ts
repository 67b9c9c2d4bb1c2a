import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from './load.js';
import { unusedParameters } from './unused.js';
import { parseMasterCf } from './mastercf.js';

function withConfig(mainCf: string, fn: (dir: string) => void): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mailroom-config-'));
  try {
    fs.writeFileSync(path.join(dir, 'main.cf'), mainCf);
    fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('loadConfig layers overrides over main.cf over registry defaults', () => {
  withConfig('myhostname = mx.example.com\nmydomain = example.com\nhash_queue_depth = 2\n', (dir) => {
    const c = loadConfig({ configDir: dir });
    assert.equal(c.configDir, dir);
    assert.equal(c.get('config_directory'), dir);
    assert.equal(c.get('myorigin'), 'mx.example.com');
    assert.deepEqual(c.getList('mydestination'), ['mx.example.com', 'localhost.example.com', 'localhost']);
    assert.equal(c.getInt('hash_queue_depth'), 2);
    assert.equal(c.origin('hash_queue_depth')?.line, 3);
    assert.equal(c.isSet('myorigin'), false);
    const o = c.withOverrides({ myorigin: 'other.example' });
    assert.equal(o.get('myorigin'), 'other.example');
    assert.equal(c.get('myorigin'), 'mx.example.com', 'the original snapshot is unchanged');
  });
});

test('loadConfig typed getters reject bad values naming file and line', () => {
  withConfig('a = 1\nhash_queue_depth = lots\nappend = maybe\nq = 5x\nhash_queue_names = deferred\n', (dir) => {
    const c = loadConfig({ configDir: dir });
    assert.throws(() => c.getInt('hash_queue_depth'), new RegExp(`${dir}/main.cf:2: bad numerical configuration`));
    assert.throws(() => c.getBool('append'), /main\.cf:3: bad boolean/);
    assert.deepEqual(c.getList('hash_queue_names'), ['deferred']);
  });
  withConfig('hash_queue_depth = 0\n', (dir) => {
    assert.throws(() => loadConfig({ configDir: dir }).getInt('hash_queue_depth'), /< 1/);
  });
});

test('pattern lists read /file/name entries', () => {
  withConfig('', (dir) => {
    const file = path.join(dir, 'domains');
    fs.writeFileSync(file, '# local domains\nexample.org example.net\nexample.com\n');
    const c = loadConfig({ configDir: dir, overrides: { mydestination: `localhost, ${file}` } });
    assert.deepEqual(c.getList('mydestination'), ['localhost', 'example.org', 'example.net', 'example.com']);
    // Lists that are not pattern lists keep the path as it is.
    assert.deepEqual(c.withOverrides({ alias_maps: file }).getList('alias_maps'), [file]);
  });
});

test('unusedParameters spares registry names, referenced names and per-transport names', () => {
  withConfig('myorigin = $my_own\nmy_own = x\ntypo_parameter = 1\nrelay_destination_concurrency_limit = 5\n', (dir) => {
    const services = parseMasterCf('relay unix - - n - - smtp\n', 'master.cf');
    assert.deepEqual(unusedParameters(loadConfig({ configDir: dir }), services), ['typo_parameter']);
  });
});

test('the embedded default instance parses', () => {
  const c = loadConfig();
  assert.match(c.get('queue_directory'), /\/etc\/\.\.\/spool$/);
  assert.deepEqual(c.getList('inet_interfaces'), ['loopback-only']);
});
