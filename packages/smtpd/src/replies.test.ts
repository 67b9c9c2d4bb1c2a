import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReply, postfixReply, reply, splitDsn } from './replies.js';

test("smtp-server's own replies come out in Postfix's words", () => {
  const cases: [number, string, string | false | undefined, string][] = [
    [250, 'Accepted', 'MAIL_FROM_OK', '250 2.1.0 Ok'],
    [250, 'Accepted', 'RCPT_TO_OK', '250 2.1.5 Ok'],
    [221, 'Bye', undefined, '221 2.0.0 Bye'],
    [250, 'Flushed', undefined, '250 2.0.0 Ok'],
    [250, 'OK', undefined, '250 2.0.0 Ok'],
    [503, 'Error: need RCPT command', undefined, '503 5.5.1 Error: need RCPT command'],
    [500, 'Error: command not recognized', 'ETRN', '500 5.5.2 Error: command not recognized'],
    [452, 'Error: too many recipients', 'TOO_MANY_RECIPIENTS', '452 4.5.3 Error: too many recipients'],
    [552, 'Error: message exceeds fixed maximum message size 100', 'MESSAGE_TOO_BIG', '552 5.3.4 Message size exceeds fixed limit'],
    [421, 'Timeout - closing connection', undefined, '421 4.4.2 mx.example.com Error: timeout exceeded'],
    [501, 'Error: Syntax: HELO hostname', false, '501 Syntax: HELO hostname'],
    [501, 'Invalid RET parameter value. Must be FULL or HDRS', undefined, '501 5.5.4 Invalid RET parameter value. Must be FULL or HDRS'],
    [220, 'mx.example.com ESMTP Mailroom', false, '220 mx.example.com ESMTP Mailroom'],
    [554, '5.7.1 <x@y>: Relay access denied', undefined, '554 5.7.1 <x@y>: Relay access denied'],
    [354, 'End data with <CR><LF>.<CR><LF>', undefined, '354 End data with <CR><LF>.<CR><LF>'],
    [550, 'Something new', undefined, '550 5.0.0 Something new'],
  ];
  for (const [code, text, ctx, want] of cases) {
    const [c, t] = postfixReply(code, text, ctx, 'mx.example.com');
    assert.equal(`${c} ${t}`, want, text);
  }
});

test('enhanced codes agree with the reply class; access texts may carry their own', () => {
  assert.equal(formatReply(reply(450, '5.7.1', 'x')), '450 4.7.1 x');
  assert.equal(formatReply(reply(550, '4.1.1', 'x')), '550 5.1.1 x');
  assert.deepEqual(splitDsn('5.7.0 go away'), { dsn: '5.7.0', text: 'go away' });
  assert.deepEqual(splitDsn('go away'), { text: 'go away' });
  assert.deepEqual(splitDsn('5.7 not a code'), { text: '5.7 not a code' });
});
