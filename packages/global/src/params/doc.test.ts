import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { installDir } from '../config/load.js';
import { renderParameterDoc } from './doc.js';
import { paramNames, paramRegistry } from './index.js';

test('docs/parameters.md is generated from the registry and up to date', () => {
  const file = path.join(installDir(), 'docs', 'parameters.md');
  assert.equal(fs.readFileSync(file, 'utf8'), renderParameterDoc(), 'run: node scripts/gen-params-doc.mjs');
});

test('every registry entry has a description and a well-formed default', () => {
  for (const name of paramNames()) {
    const spec = paramRegistry.get(name)!;
    assert.ok(spec.description.length > 10, `${name}: description`);
    if (typeof spec.default === 'string' && spec.kind === 'int') assert.match(spec.default, /^-?\d+$/, name);
    if (typeof spec.default === 'string' && spec.kind === 'bool') assert.match(spec.default, /^(yes|no)$/, name);
    if (typeof spec.default === 'string' && spec.kind === 'time') assert.match(spec.default, /^\d+[smhdw]?$/, name);
  }
});
