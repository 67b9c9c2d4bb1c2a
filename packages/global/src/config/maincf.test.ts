import { test } from 'node:test';
import assert from 'node:assert/strict';
import { editMainCf, parseMainCf } from './maincf.js';
import { ConfigError } from './types.js';

const SAMPLE = `# top comment
myorigin = example.com

mydestination = a,
  # a comment inside a continuation is skipped
  b,
\tc
relayhost =
# trailing comment
`;

test('parseMainCf joins continuation lines and skips comments', () => {
  const entries = parseMainCf(SAMPLE, 'main.cf');
  assert.deepEqual(entries.map((e) => [e.name, e.value, e.line, e.lastLine]), [
    ['myorigin', 'example.com', 2, 2],
    ['mydestination', 'a, b, c', 4, 7],
    ['relayhost', '', 8, 8],
  ]);
});

test('parseMainCf errors name file and line', () => {
  const cases: [string, RegExp][] = [
    ['ok = 1\nbad line\n', /^main\.cf:2: missing '=' after parameter name: "bad"$/],
    ['  leading = space\n', /^main\.cf:1: continuation line without a preceding entry$/],
    ['a = 1\n= 2\n', /^main\.cf:2: missing parameter name/],
    ['a b = 1\n', /^main\.cf:1: bad parameter name: "a b"$/],
  ];
  for (const [text, want] of cases) {
    assert.throws(() => parseMainCf(text, 'main.cf'), (err: unknown) => err instanceof ConfigError && want.test(err.message));
  }
});

test('editMainCf replaces in place, appends new names, removes, keeps comments', () => {
  const edited = editMainCf(SAMPLE, 'main.cf', new Map([['mydestination', 'x'], ['new_param', 'v']]));
  assert.equal(edited, `# top comment
myorigin = example.com

mydestination = x
relayhost =
# trailing comment
new_param = v
`);
  const removed = editMainCf(edited, 'main.cf', new Map(), new Set(['myorigin']));
  assert.ok(!removed.includes('myorigin'));
  assert.ok(removed.startsWith('# top comment\n\nmydestination = x\n'));
});

test('editMainCf keeps one line when a name was set twice', () => {
  const edited = editMainCf('a = 1\nb = 2\na = 3\n', 'main.cf', new Map([['a', '9']]));
  assert.equal(edited, 'b = 2\na = 9\n');
});
