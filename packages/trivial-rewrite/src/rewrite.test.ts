/* rewrite: the local and remote rule sets over many configurations (Postfix's rewrite_tree). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rewriteAddress, rewriteContext } from './rewrite.js';
import { settingsFor } from './testing.js';

type Row = [input: string, local: string, remote?: string];

const CONFIGS: { name: string; over: Record<string, string>; rows: Row[] }[] = [
  {
    name: 'defaults (append_dot_mydomain = no)',
    over: {},
    rows: [
      ['user', 'user@example.com', 'user'],
      ['user+ext', 'user+ext@example.com', 'user+ext'],
      ['user@host', 'user@host', 'user@host'],
      ['User@Example.COM', 'User@Example.COM'],
      ['user@example.com.', 'user@example.com', 'user@example.com'],
      ['user@domain..', 'user@domain..'],
      ['user@.', 'user@.'],
      ['host!user', 'user@host', 'user@host'],
      ['a!b!user', 'b!user@a'],
      ['user%host', 'user@host', 'user@host'],
      ['a%b%host', 'a%b@host'],
      ['host!user%other', 'user%other@host'],
      ['user%host@example.net', 'user%host@example.net'],
      ['host!user@example.net', 'host!user@example.net'],
      ['@a.example,@b.example:user@c.example', 'user@c.example'],
      ['@a.example:user', 'user@example.com'],
      ['', ''],
      ['@', ''],
      ['first last!x', 'first last!x@example.com'],
      ['user@[192.0.2.1]', 'user@[192.0.2.1]'],
    ],
  },
  {
    name: 'append_dot_mydomain = yes',
    over: { append_dot_mydomain: 'yes' },
    rows: [
      ['user', 'user@example.com'],
      ['user@host', 'user@host.example.com', 'user@host'],
      // The trailing dot counts as a dot (no .$mydomain), then goes: as Postfix.
      ['user@host.', 'user@host'],
      ['host!user', 'user@host.example.com'],
      ['user%host', 'user@host.example.com'],
      ['user@[192.0.2.1]', 'user@[192.0.2.1]'],
      ['user@', 'user@'],
      ['user@host.example.net', 'user@host.example.net'],
    ],
  },
  {
    name: 'myorigin = $myhostname, remote_header_rewrite_domain set',
    over: { myorigin: '$myhostname', remote_header_rewrite_domain: 'domain.invalid', append_dot_mydomain: 'yes' },
    rows: [
      ['user', 'user@mail.example.com', 'user@domain.invalid'],
      ['user@host', 'user@host.example.com', 'user@host.domain.invalid'],
    ],
  },
  {
    name: 'swap_bangpath = no, allow_percent_hack = no',
    over: { swap_bangpath: 'no', allow_percent_hack: 'no' },
    rows: [
      ['host!user', 'host!user@example.com'],
      ['user%host', 'user%host@example.com'],
    ],
  },
  {
    name: 'swap_bangpath = no only',
    over: { swap_bangpath: 'no' },
    rows: [['host!user%other', 'host!user@other']],
  },
  {
    name: 'append_at_myorigin = no',
    over: { append_at_myorigin: 'no', append_dot_mydomain: 'yes' },
    rows: [
      ['user', 'user'],
      ['user@host', 'user@host.example.com'],
    ],
  },
];

for (const c of CONFIGS) {
  test(`rewrite: ${c.name}`, () => {
    const s = settingsFor(c.over);
    const local = rewriteContext(s, 'local');
    const remote = rewriteContext(s, 'remote');
    for (const [input, wantLocal, wantRemote] of c.rows) {
      assert.equal(rewriteAddress(input, local), wantLocal, `local <${input}>`);
      if (wantRemote !== undefined) assert.equal(rewriteAddress(input, remote), wantRemote, `remote <${input}>`);
    }
  });
}

test('rewrite is idempotent on its own results (but `x@y.` → `x@y` → `x@y.$mydomain`, as in Postfix)', () => {
  const ctx = rewriteContext(settingsFor({ append_dot_mydomain: 'yes' }), 'local');
  for (const input of ['user', 'host!user', 'a!b!c', 'user%host', '@r:u@h', 'first last']) {
    const once = rewriteAddress(input, ctx);
    assert.equal(rewriteAddress(once, ctx), once, input);
  }
});
