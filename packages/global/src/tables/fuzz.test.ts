/* Hostile-input tests with a fixed seed: random table sources never crash a parser or a lookup. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAliasLines } from './aliases.js';
import { cidrDialect } from './cidr.js';
import { pcreDialect, regexpDialect } from './regexp.js';
import { compileRules } from './rules.js';
import { sourceLines } from './source.js';
import { seededRandom } from '../testing.js';

const ALPHABET = ['/', '!', '\\', '[', ']', '(', ')', '{', '}', '?', '*', '+', '|', '^', '$', '.', ':', '#', ' ', '\t', '\n', 'a', 'Z', '1', '0',
  '$1', '${2}', 'if ', 'endif', '[:alpha:]', '(?', '(?P<n>', '\\Q', '\\E', '/i', '/x', '/U', '::', '1.2.3.4', '/24', '"', ',', '@', '%'];

function randomText(next: () => number, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

test('random sources: rule tables and aliases warn or work, never throw', () => {
  const next = seededRandom(20240601);
  const log = { warn: (): void => undefined };
  for (let round = 0; round < 1500; round++) {
    const text = randomText(next, 5 + Math.floor(next() * 40));
    const lines = sourceLines(text, 'fuzz', log);
    for (const dialect of [regexpDialect, pcreDialect, cidrDialect]) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const get = compileRules(lines, 'fuzz', dialect as any, log);
      for (const key of ['', 'a', 'user@example.com', '1.2.3.4', '::1', randomText(next, 8)]) {
        const v = get(key);
        assert.ok(v === undefined || typeof v === 'string');
      }
    }
    for (const e of parseAliasLines(lines, 'fuzz', log)) assert.ok(e.name.length > 0);
  }
});
