import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAttrs, unescape, type PipeFlags } from './attrs.js';
import { expandArgv, parseArg } from './expand.js';

const NO_FLAGS = parseAttrs(['argv=/bin/true'], { mailOwner: 'postfix' }, false).flags;

function ctx(flags: Partial<PipeFlags>, recipients: Array<[string, string]>) {
  return {
    flags: { ...NO_FLAGS, ...flags }, sender: 'Sender@Example.ORG', nexthop: 'Example.NET', recipientDelimiter: '+',
    values: { size: '123', queue_id: 'ABC', client_address: '127.0.0.1' },
    recipients: recipients.map(([address, original]) => ({ address, original })),
  };
}

test('argv macros expand as pipe(8) does, one argument per recipient', () => {
  const argv = ['/bin/x', '-f', '${sender}', '$nexthop', '$(size)', 'q=${queue_id}', '$$1', '${recipient}', 'u=${user}+${extension}', '${domain}', '${mailbox}', '${original_recipient}'];
  assert.deepEqual(expandArgv(argv, ctx({}, [['Joe+Box@Example.NET', 'alias@example.net'], ['ann@example.net', '']])), [
    '/bin/x', '-f', 'Sender@Example.ORG', 'Example.NET', '123', 'q=ABC', '$1',
    'Joe+Box@Example.NET', 'ann@example.net', 'u=Joe+Box', 'u=ann+', 'Example.NET', 'example.net', 'Joe+Box', 'ann', 'alias@example.net', '',
  ]);
  // h and u fold; q quotes local parts of whole addresses only
  assert.deepEqual(expandArgv(['${recipient}', '${user}', '${nexthop}', '${domain}'], ctx({ foldHost: true, foldUser: true }, [['Joe@Example.NET', '']])),
    ['joe@example.net', 'joe', 'example.net', 'example.net']);
  assert.deepEqual(expandArgv(['${recipient}', '${sender}', '${mailbox}'], ctx({ quote: true }, [['a b@x.org', '']])), ['"a b"@x.org', 'Sender@Example.ORG', 'a b']);
  // an empty $user drops the argument
  assert.deepEqual(expandArgv(['-m', '${user}'], ctx({}, [['+shared@x.org', '']])), ['-m', '+shared']);
  assert.throws(() => parseArg('${nosuch}'), /unknown macro name: "nosuch"/);
});

test('master.cf attributes are read as pipe(8) reads them, with its fatal errors', () => {
  const a = parseAttrs(['flags=DRhuX.>BFOq', 'eol=\\r\\n', 'size=1000', 'null_sender=', 'directory=/tmp', 'argv=/bin/cat', '-v', '${recipient}'], { mailOwner: 'postfix' }, false);
  assert.deepEqual(a.argv, ['/bin/cat', '-v', '${recipient}']);
  assert.ok(Object.values(a.flags).every(Boolean));
  assert.equal(a.eol, '\r\n');
  assert.equal(a.sizeLimit, 1000);
  assert.equal(a.nullSender, '');
  assert.equal(a.directory, '/tmp');
  assert.equal(unescape('\\101\\t\\\\'), 'A\t\\');
  const bad: Array<[string[], RegExp]> = [
    [['flags=Z', 'argv=/bin/x'], /unknown flag: Z/],
    [['color=red', 'argv=/bin/x'], /unknown attribute name: color=red/],
    [['flags=R'], /missing argv= command-line attribute/],
    [['user=root', 'argv=/bin/x'], /specifies root privileges/],
    [['user=no-such-user-here', 'argv=/bin/x'], /unknown username: no-such-user-here/],
    [['chroot=/x', 'argv=/bin/x'], /not supported/],
  ];
  for (const [args, re] of bad) assert.throws(() => parseAttrs(args, { mailOwner: 'postfix' }, false), re);
  assert.throws(() => parseAttrs(['argv=/bin/x'], { mailOwner: 'postfix' }, true), /missing user= command-line attribute/);
  assert.throws(() => parseAttrs(['user=nobody', 'argv=/bin/x'], { mailOwner: 'nobody' }, true), /specifies mail system owner nobody/);
  assert.equal(parseAttrs(['user=nobody:daemon', 'argv=/bin/x'], { mailOwner: 'postfix' }, true).gid, 1);
});
