/* Tests for regexp and pcre tables: the documented examples of regexp_table(5) and pcre_table(5), flags, and bad lines. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pcreDialect, regexpDialect } from './regexp.js';
import { compileRules, type RuleDialect } from './rules.js';
import { sourceLines } from './source.js';

function table(dialect: RuleDialect<string, RegExpExecArray>, text: string): { get: (k: string) => string | undefined; warnings: string[] } {
  const warnings: string[] = [];
  const log = { warn: (m: string) => warnings.push(m) };
  return { get: compileRules(sourceLines(text, '/etc/postfix/t', log), '/etc/postfix/t', dialect, log), warnings };
}

const ACCESS_EXAMPLE = `# Disallow sender-specified routing. This is a must if you relay mail
# for other domains.
/[%!@].*[%!@]/       550 Sender-specified routing rejected

# Postmaster is OK, that way they can talk to us about how to fix
# their problem.
/^postmaster@/       OK

# Protect your outgoing majordomo exploders
if !/^owner-/
/^(.*)-outgoing@(.*)$/  550 Use \${1}@\${2} instead
endif
`;

test('regexp_table(5) example access map', () => {
  const t = table(regexpDialect, ACCESS_EXAMPLE);
  assert.deepEqual(t.warnings, []);
  const cases: [string, string | undefined][] = [
    ['user%host@relay.example', '550 Sender-specified routing rejected'],
    ['a!b@example.com', '550 Sender-specified routing rejected'],
    ['postmaster@example.com', 'OK'],
    ['POSTMASTER@example.com', 'OK'],
    ['list-outgoing@example.com', '550 Use list@example.com instead'],
    ['owner-list-outgoing@example.com', undefined],
    ['someone@example.com', undefined],
  ];
  for (const [key, want] of cases) assert.equal(t.get(key), want, key);
});

test('regexp_table(5) header and body filter examples', () => {
  const h = table(regexpDialect, '/^Subject: make money fast/     REJECT\n/^To: friend@public\\.com/       REJECT\n');
  assert.equal(h.get('Subject: Make Money Fast!!'), 'REJECT');
  assert.equal(h.get('To: friend@public.com'), 'REJECT');
  assert.equal(h.get('To: friend@publicXcom'), undefined);
  const b = table(regexpDialect, '~^[[:alnum:]+/]{60,}$~          OK\n');
  assert.equal(b.get('A'.repeat(60)), 'OK');
  assert.equal(b.get(`${'A'.repeat(59)}/`), 'OK');
  assert.equal(b.get('A'.repeat(59)), undefined);
  assert.equal(b.get(`${'A'.repeat(60)} `), undefined);
});

test('regexp flags, substitution forms, POSIX details', () => {
  const cases: [string, string, string | undefined][] = [
    ['/^abc$/ yes', 'ABC', 'yes'],
    ['/^abc$/i yes', 'ABC', undefined],
    ['/^abc$/i yes', 'abc', 'yes'],
    ['/^(a)(b)?c/ $1-$2-$(1)-$$', 'ac', 'a--a-$'],
    ['/a.b/ dot-matches-newline', 'a\nb', 'dot-matches-newline'],
    ['/^b$/m multi', 'a\nb', 'multi'],
    ['/^b$/ multi', 'a\nb', undefined],
    ['/[\\.]/ backslash-in-brackets-is-literal', 'x\\y', 'backslash-in-brackets-is-literal'],
    ['/\\<word\\>/ gnu-word', 'a word here', 'gnu-word'],
    ['/^a\\(b\\)c$/x basic-syntax $1', 'abc', 'basic-syntax b'],
    ['/^a(b)c$/x basic-parens-literal', 'a(b)c', 'basic-parens-literal'],
    ['%^/path%  other-delimiter', '/path/x', 'other-delimiter'],
    ['!/^ok/ negated', 'bad', 'negated'],
    ['!/^ok/ negated', 'ok', undefined],
  ];
  for (const [rule, key, want] of cases) assert.equal(table(regexpDialect, rule).get(key), want, `${rule} on ${JSON.stringify(key)}`);
});

test('pcre_table(5) examples', () => {
  const t = table(pcreDialect, `# Protect your outgoing majordomo exploders
/^(?!owner-)(.*)-outgoing@(.*)/ 550 Use \${1}@\${2} instead

# Bounce friend@whatever, except when whatever is our domain.
/^(friend@(?!my\\.domain$).*)$/  550 Stick this in your pipe $1

# A multi-line entry. The text is sent as one line.
#
/^noddy@my\\.domain$/
 550 This user is a funny one. You really don't want to send mail to
 them as it only makes their head spin.
`);
  assert.deepEqual(t.warnings, []);
  assert.equal(t.get('list-outgoing@example.com'), '550 Use list@example.com instead');
  assert.equal(t.get('owner-list-outgoing@example.com'), undefined);
  assert.equal(t.get('friend@other.domain'), '550 Stick this in your pipe friend@other.domain');
  assert.equal(t.get('friend@my.domain'), undefined);
  assert.equal(
    t.get('noddy@my.domain'),
    "550 This user is a funny one. You really don't want to send mail to them as it only makes their head spin.",
  );
  const body = table(pcreDialect, '~^[[:alnum:]+/]{60,}$~          OK\n');
  assert.equal(body.get('b'.repeat(61)), 'OK');
});

test('pcre flags translated to JavaScript', () => {
  const cases: [string, string, string | undefined][] = [
    ['/^a.b$/ dotall-default', 'a\nb', 'dotall-default'],
    ['/^a.b$/s dotall-off', 'a\nb', undefined],
    ['/^abc$/ dollar-before-final-newline', 'abc\n', 'dollar-before-final-newline'],
    ['/^abc$/E dollar-endonly', 'abc\n', undefined],
    ['/a b c/x extended', 'abc', 'extended'],
    ['/bc/A anchored', 'abc', undefined],
    ['/ab/A anchored', 'abc', 'anchored'],
    ['/<(.+)>/U ungreedy $1', '<a><b>', 'ungreedy a'],
    ['/<(.+?)>/U ungreedy-inverted $1', '<a><b>', 'ungreedy-inverted a><b'],
    ['/(?-i)^ABC$/ inline-option', 'abc', undefined],
    ['/\\Qa.b\\E/ quoted', 'a.b', 'quoted'],
    ['/\\Qa.b\\E/ quoted', 'axb', undefined],
    ['/^(?P<u>\\w+)@(?P=u)$/ named', 'x@x', 'named'],
    ['/\\Aabc\\z/ anchors', 'abc', 'anchors'],
  ];
  for (const [rule, key, want] of cases) assert.equal(table(pcreDialect, rule).get(key), want, `${rule} on ${JSON.stringify(key)}`);
});

test('if/endif nest; broken lines are skipped with file and line', () => {
  const t = table(
    regexpDialect,
    ['if /^a/', 'if /b$/', '/./ a-and-b', 'endif', '/./ a-only', 'endif', '/./ other', '/unclosed delimiter', '/x/q bad-flag', '/(a)/ $2',
      '!/(a)/ $1', '/(/ broken', 'endif', 'if /zzz/', '/./ never'].join('\n'),
  );
  assert.equal(t.get('axb'), 'a-and-b');
  assert.equal(t.get('ax'), 'a-only');
  assert.equal(t.get('xb'), 'other');
  assert.deepEqual(t.warnings, [
    '/etc/postfix/t, line 8: no closing regexp delimiter "/": skipping this rule'.replace(/^/, 'regexp map '),
    'regexp map /etc/postfix/t, line 9: unknown regexp option "q": skipping this rule',
    'regexp map /etc/postfix/t, line 10: out of range replacement index "2": skipping this rule',
    'regexp map /etc/postfix/t, line 11: $number found in negative match replacement text: skipping this rule',
    'regexp map /etc/postfix/t, line 12: error compiling regular expression: Invalid regular expression: /(/is: Unterminated group: skipping this rule',
    'regexp map /etc/postfix/t, line 13: ignoring ENDIF without matching IF',
    'regexp map /etc/postfix/t, line 14: IF has no matching ENDIF',
  ]);
});

test('pcre constructs JavaScript cannot do are refused, not mistranslated', () => {
  for (const rule of ['/a++/ x', '/(?>a)/ x', '/(?i:a)b/ x', '/\\G/ x', '/(?R)/ x']) {
    const t = table(pcreDialect, rule);
    assert.equal(t.warnings.length, 1, rule);
    assert.match(t.warnings[0] as string, /^pcre map \/etc\/postfix\/t, line 1: error compiling regular expression: .*: skipping this rule$/);
  }
});
