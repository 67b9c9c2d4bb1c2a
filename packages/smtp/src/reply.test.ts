import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCapabilities, ReplyParser, replyDsn, replyText } from './reply.js';

test('ReplyParser assembles multi-line replies across chunks', () => {
  const p = new ReplyParser();
  assert.deepEqual(p.push(Buffer.from('220 mx ESMTP\r\n250-mx\r\n250-PIPE')), [{ code: 220, lines: ['220 mx ESMTP'] }]);
  assert.deepEqual(p.push(Buffer.from('LINING\r\n250 SIZE 1000\n')), [{ code: 250, lines: ['250-mx', '250-PIPELINING', '250 SIZE 1000'] }]);
  assert.deepEqual(p.push(Buffer.from('250\r\nhello\r\n')), [{ code: 250, lines: ['250'] }, { code: 0, lines: ['hello'] }]);
});

test('replyDsn takes the enhanced code when it matches the reply class', () => {
  const cases: [string[], string][] = [
    [['550 5.1.1 <u@x>: unknown'], '5.1.1'],
    [['250 2.0.0 Ok'], '2.0.0'],
    [['451 greylisted'], '4.0.0'],
    [['550 4.1.1 odd'], '5.0.0'],
    [['550-5.7.1 first', '550 5.7.1 second'], '5.7.1'],
    [['hello'], '4.5.0'],
  ];
  for (const [lines, want] of cases) assert.equal(replyDsn({ code: Number(lines[0]!.slice(0, 3)) || 0, lines }), want, lines[0]);
});

test('replyText joins lines as Postfix logs them', () => {
  assert.equal(replyText({ code: 550, lines: ['550-5.1.1 one', '550 5.1.1 two'] }), '550-5.1.1 one 550 5.1.1 two');
});

test('parseCapabilities reads EHLO keywords', () => {
  const caps = parseCapabilities({ code: 250, lines: ['250-mx.example', '250-PIPELINING', '250-SIZE 10240000', '250-auth=login', '250 DSN'] });
  assert.deepEqual([...caps], [['PIPELINING', ''], ['SIZE', '10240000'], ['AUTH', 'login'], ['DSN', '']]);
});
