import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SmtpClient, startSmtpd, type Harness } from './testing.js';

async function session(h: Harness, ehlo = 'client.example.net'): Promise<SmtpClient> {
  const c = await SmtpClient.connect(h.port);
  assert.equal(await c.reply(), '220 mx.example.com ESMTP Mailroom');
  assert.match(await c.command(`EHLO ${ehlo}`), /^250-mx\.example\.com\n/);
  return c;
}

const body = (m: { content: Buffer[] }): string => Buffer.concat(m.content).toString('latin1');

test('greeting, EHLO keywords in Postfix order, a message queued with 250 2.0.0 Ok: queued as ID', async () => {
  const h = await startSmtpd();
  try {
    const c = await SmtpClient.connect(h.port);
    assert.equal(await c.reply(), '220 mx.example.com ESMTP Mailroom');
    assert.equal(
      await c.command('EHLO client.example.net'),
      '250-mx.example.com\n250-PIPELINING\n250-SIZE 10240000\n250-ENHANCEDSTATUSCODES\n250-8BITMIME\n250-DSN\n250 SMTPUTF8',
    );
    assert.equal(await c.command('MAIL FROM:<sender@remote.example>'), '250 2.1.0 Ok');
    assert.equal(await c.command('RCPT TO:<alice@example.com>'), '250 2.1.5 Ok');
    assert.equal(await c.command('DATA'), '354 End data with <CR><LF>.<CR><LF>');
    c.send('Subject: hi\r\n\r\n..dot\r\nbody\r\n.\r\n');
    assert.equal(await c.reply(), '250 2.0.0 Ok: queued as TEST1');
    assert.equal(await c.command('QUIT'), '221 2.0.0 Bye');
    await c.waitClosed();
    const m = h.messages[0];
    assert.ok(m?.finished);
    assert.equal(body(m), 'Subject: hi\r\n\r\n.dot\r\nbody\r\n');
    assert.equal(m.begin.sender, 'sender@remote.example');
    assert.deepEqual(m.begin.recipients, [{ address: 'alice@example.com' }]);
    assert.equal(m.begin.attributes.protocol, 'ESMTP');
    assert.equal(m.begin.attributes.helo_name, 'client.example.net');
    await new Promise((r) => setTimeout(r, 50));
    const logs = h.logs();
    assert.ok(logs.includes('connect from localhost[127.0.0.1]'), logs.join('\n'));
    assert.ok(logs.includes('TEST1: client=localhost[127.0.0.1]'));
    assert.ok(logs.includes('disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5'), logs.join('\n'));
  } finally {
    await h.close();
  }
});

test('relay and unknown users are refused at RCPT time with Postfix replies and log lines', async () => {
  const h = await startSmtpd({ smtpd_relay_restrictions: 'permit_mynetworks, reject_unauth_destination' });
  try {
    const c = await session(h);
    assert.equal(await c.command('MAIL FROM:<a@remote.example>'), '250 2.1.0 Ok');
    assert.equal(await c.command('RCPT TO:<x@elsewhere.example>'), '554 5.7.1 <x@elsewhere.example>: Relay access denied');
    assert.equal(
      await c.command('RCPT TO:<nobody@example.com>'),
      '550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table',
    );
    assert.equal(await c.command('DATA'), '554 5.5.1 Error: no valid recipients', 'as Postfix, after MAIL with every RCPT refused');
    assert.equal(await c.command('QUIT'), '221 2.0.0 Bye');
    await c.waitClosed();
    await new Promise((r) => setTimeout(r, 50));
    const logs = h.logs();
    assert.ok(
      logs.includes('NOQUEUE: reject: RCPT from localhost[127.0.0.1]: 554 5.7.1 <x@elsewhere.example>: Relay access denied; from=<a@remote.example> to=<x@elsewhere.example> proto=ESMTP helo=<client.example.net>'),
      logs.join('\n'),
    );
    assert.ok(logs.includes('disconnect from localhost[127.0.0.1] ehlo=1 mail=1 rcpt=0/2 data=0/1 quit=1 commands=3/6'), logs.join('\n'));
  } finally {
    await h.close();
  }
});

/** transaction - MAIL, RCPT, DATA up to the 354. */
async function transaction(c: SmtpClient, rcpt = 'alice@example.com'): Promise<void> {
  assert.equal(await c.command('MAIL FROM:<a@remote.example>'), '250 2.1.0 Ok');
  assert.equal(await c.command(`RCPT TO:<${rcpt}>`), '250 2.1.5 Ok');
  assert.equal(await c.command('DATA'), '354 End data with <CR><LF>.<CR><LF>');
}

// Smuggling attempts: each body hides a second transaction behind a fake end of data.
const SMUGGLED = 'MAIL FROM:<admin@example.com>\r\nRCPT TO:<bob@example.com>\r\nDATA\r\nFrom: admin@example.com\r\n\r\nsmuggled\r\n';
const ATTEMPTS: [string, string][] = [
  ['<LF>.<LF>', `Subject: x\r\n\r\nhi\n.\n${SMUGGLED}`],
  ['<CR><LF>.<LF>', `Subject: x\r\n\r\nhi\r\n.\n${SMUGGLED}`],
  ['<LF>.<CR><LF>', `Subject: x\r\n\r\nhi\n.\r\n${SMUGGLED}`],
  ['<CR>.<CR>', `Subject: x\r\n\r\nhi\r.\r${SMUGGLED}`],
  ['<CR><LF>.<CR>', `Subject: x\r\n\r\nhi\r\n.\r${SMUGGLED}`],
];

test('SMTP smuggling: never two messages; refused under reject, one message under normalize', async () => {
  for (const mode of ['reject', 'normalize'] as const) {
    const h = await startSmtpd({ smtpd_forbid_bare_newline: mode });
    try {
      for (const [name, body] of ATTEMPTS) {
        const c = await session(h);
        await transaction(c);
        c.send(`${body}.\r\n`);
        const r = await c.reply();
        if (mode === 'reject') assert.match(r, /^550 5\.5\.2 mx\.example\.com Error: bare <(LF|CR)> received$/, `${name}: ${r}`);
        else assert.match(r, /^250 2\.0\.0 Ok: queued as TEST\d+$/, `${name}: ${r}`);
        assert.equal(await c.command('QUIT'), '221 2.0.0 Bye', `${name}: still in step after the message`);
        c.end();
      }
      assert.equal(h.messages.length, ATTEMPTS.length, `${mode}: one message per attempt, none smuggled`);
      for (const m of h.messages) {
        assert.deepEqual(m.begin.recipients, [{ address: 'alice@example.com' }]);
        if (mode === 'reject') assert.ok(m.aborted && !m.finished, 'nothing queued');
        else assert.match(Buffer.concat(m.content).toString('latin1'), /\r\nMAIL FROM:<admin@example\.com>\r\n/, 'the attempt is content');
      }
    } finally {
      await h.close();
    }
  }
});

test('bare LF in a command: rejected and disconnected, or accepted under normalize', async () => {
  const h = await startSmtpd();
  try {
    const c = await SmtpClient.connect(h.port);
    await c.reply();
    c.send('EHLO client.example.net\n');
    assert.equal(await c.reply(), '550 5.5.2 mx.example.com Error: bare <LF> received');
    assert.ok(await c.waitClosed());
  } finally {
    await h.close();
  }
  const n = await startSmtpd({ smtpd_forbid_bare_newline: 'normalize' });
  try {
    const c = await SmtpClient.connect(n.port);
    await c.reply();
    c.send('HELO client.example.net\n');
    assert.equal(await c.reply(), '250 mx.example.com');
    assert.equal(await c.command('NOOP\rRSET'), '500 5.5.2 Error: bare <CR> received');
    assert.equal(await c.command('QUIT'), '221 2.0.0 Bye');
  } finally {
    await n.close();
  }
});

test('clients in smtpd_forbid_bare_newline_exclusions may send bare LF', async () => {
  const h = await startSmtpd({ mynetworks: '127.0.0.0/8' });
  try {
    const c = await SmtpClient.connect(h.port);
    await c.reply();
    c.send('HELO client.example.net\n');
    assert.equal(await c.reply(), '250 mx.example.com');
    await transaction(c);
    c.send('a\nb\r\n.\r\n');
    assert.match(await c.reply(), /^250 2\.0\.0 Ok/);
    assert.equal(Buffer.concat(h.messages[0]?.content ?? []).toString(), 'a\nb\r\n');
  } finally {
    await h.close();
  }
});

test('message_size_limit: SIZE= refused at MAIL, an oversized stream refused at its end and aborted', async () => {
  const h = await startSmtpd({ message_size_limit: '1000' });
  try {
    const c = await session(h);
    assert.equal(await c.command('MAIL FROM:<a@remote.example> SIZE=5000'), '552 5.3.4 Message size exceeds fixed limit');
    await transaction(c);
    c.send(`Subject: big\r\n\r\n${'x'.repeat(70)}\r\n`.repeat(40));
    c.send('.\r\n');
    assert.equal(await c.reply(), '552 5.3.4 Error: message file too big');
    assert.ok(h.messages[0]?.aborted && !h.messages[0].finished);
    assert.ok(Buffer.concat(h.messages[0].content).length <= 1000, 'content past the limit is not passed on');
    assert.equal(await c.command('QUIT'), '221 2.0.0 Bye');
    await c.waitClosed();
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(h.logs().some((l) => /^TEST1: reject: END-OF-MESSAGE from localhost\[127\.0\.0\.1\]: 552 5\.3\.4 Error: message file too big; from=<a@remote\.example> proto=ESMTP helo=<client\.example\.net>$/.test(l)), h.logs().join('\n'));
  } finally {
    await h.close();
  }
});

test('a client that disconnects in the middle of DATA leaves nothing', async () => {
  const h = await startSmtpd();
  try {
    const c = await session(h);
    await transaction(c);
    c.send('Subject: half\r\n\r\nsome of the body\r\n');
    await new Promise((r) => setTimeout(r, 100));
    c.end();
    for (let i = 0; i < 50 && !h.messages[0]?.aborted; i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(h.messages[0]?.aborted, 'aborted in cleanup');
    assert.equal(h.messages[0]?.finished, false);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(h.logs().some((l) => /^lost connection after DATA \(\d+ bytes\) from localhost\[127\.0\.0\.1\]$/.test(l)), h.logs().join('\n'));
  } finally {
    await h.close();
  }
});

test('PIPELINING: a whole transaction in one write; DSN parameters reach cleanup', async () => {
  const h = await startSmtpd();
  try {
    const c = await session(h);
    c.send(
      'MAIL FROM:<a@remote.example> RET=HDRS ENVID=env+2B42 BODY=8BITMIME SIZE=100\r\n' +
        'RCPT TO:<alice@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice@example.com\r\n' +
        'RCPT TO:<nobody@example.com>\r\n' +
        'RCPT TO:<bob@example.com> NOTIFY=NEVER\r\n' +
        'DATA\r\n',
    );
    assert.equal(await c.reply(), '250 2.1.0 Ok');
    assert.equal(await c.reply(), '250 2.1.5 Ok');
    assert.match(await c.reply(), /^550 5\.1\.1 <nobody@example\.com>/);
    assert.equal(await c.reply(), '250 2.1.5 Ok');
    assert.equal(await c.reply(), '354 End data with <CR><LF>.<CR><LF>');
    c.send('Subject: p\r\n\r\nx\r\n.\r\nRSET\r\nQUIT\r\n');
    assert.equal(await c.reply(), '250 2.0.0 Ok: queued as TEST1');
    assert.equal(await c.reply(), '250 2.0.0 Ok');
    assert.equal(await c.reply(), '221 2.0.0 Bye');
    const b = h.messages[0]?.begin;
    assert.equal(b?.ret, 2);
    assert.equal(b?.envid, 'env+42');
    assert.equal(b?.body, '8BITMIME');
    assert.equal(b?.sizeHint, 100);
    assert.deepEqual(b?.recipients, [
      { address: 'alice@example.com', orcpt: 'rfc822;alice@example.com', notify: 10 },
      { address: 'bob@example.com', notify: 1 },
    ]);
  } finally {
    await h.close();
  }
});

test('errors: replies slow down after the soft limit, the client is dropped at the hard limit', async () => {
  const h = await startSmtpd({ smtpd_soft_error_limit: '2', smtpd_hard_error_limit: '4', smtpd_error_sleep_time: '1s' });
  try {
    const c = await session(h);
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) assert.equal(await c.command('BOGUS'), '500 5.5.2 Error: command not recognized');
    assert.ok(Date.now() - t0 >= 1800, 'errors 3 and 4 waited a second each');
    assert.equal(await c.command('NOOP'), '421 4.7.0 mx.example.com Error: too many errors');
    assert.ok(await c.waitClosed());
  } finally {
    await h.close();
  }
});

test('connection count limit per client, with a 421 instead of the greeting', async () => {
  const h = await startSmtpd({ smtpd_client_connection_count_limit: '1' });
  try {
    const a = await session(h);
    const b = await SmtpClient.connect(h.port);
    assert.equal(await b.reply(), '421 4.7.0 mx.example.com Error: too many connections from 127.0.0.1');
    assert.ok(await b.waitClosed());
    assert.equal(await a.command('QUIT'), '221 2.0.0 Bye');
    await a.waitClosed();
    await new Promise((r) => setTimeout(r, 50));
    const c = await SmtpClient.connect(h.port);
    assert.equal(await c.reply(), '220 mx.example.com ESMTP Mailroom', 'the count went down again');
    c.end();
    assert.ok(h.logs().includes('warning: Connection concurrency limit exceeded: 2 from localhost[127.0.0.1] for service smtp'));
  } finally {
    await h.close();
  }
});

test('long command lines, VRFY, and the idle timeout', async () => {
  const h = await startSmtpd({ line_length_limit: '100', disable_vrfy_command: 'no', smtpd_timeout: '1s' });
  try {
    const c = await session(h);
    assert.equal(await c.command(`NOOP ${'x'.repeat(300)}`), '250 2.0.0 Ok', 'cut at line_length_limit, as Postfix');
    assert.ok(h.logs().some((l) => /^warning: localhost\[127\.0\.0\.1\]: request longer than 100: NOOP x{25}\.\.\.$/.test(l)), h.logs().join('\n'));
    assert.equal(await c.command('NOOP'), '250 2.0.0 Ok', 'in step after the long line');
    assert.equal(await c.command('VRFY <alice@example.com>'), '252 2.0.0 alice@example.com');
    assert.match(await c.command('VRFY nobody@example.com'), /^550 5\.1\.1 <nobody@example\.com>: Recipient address rejected: User unknown/);
    assert.equal(await c.reply(3000), '421 4.4.2 mx.example.com Error: timeout exceeded');
    assert.ok(await c.waitClosed());
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(h.logs().includes('timeout after VRFY from localhost[127.0.0.1]'), h.logs().join('\n'));
  } finally {
    await h.close();
  }
  const d = await startSmtpd();
  try {
    const c = await session(d);
    assert.equal(await c.command('VRFY alice@example.com'), '502 5.5.1 VRFY command is disabled');
  } finally {
    await d.close();
  }
});

test('cleanup verdicts: content rejected, temporary failure', async () => {
  const h = await startSmtpd({}, {}, (m) =>
    m.queueId === 'TEST1' ? { status: 'reject', dsn: '5.7.1', reason: 'message content rejected' } : { status: 'defer' },
  );
  try {
    const c = await session(h);
    await transaction(c);
    c.send('Subject: spam\r\n\r\nx\r\n.\r\n');
    assert.equal(await c.reply(), '550 5.7.1 message content rejected');
    await transaction(c);
    c.send('Subject: later\r\n\r\nx\r\n.\r\n');
    assert.equal(await c.reply(), '451 4.3.0 Error: queue file write error');
  } finally {
    await h.close();
  }
});

test('a command split across reads: the parser asks for the rest of the line', async () => {
  const h = await startSmtpd();
  try {
    const c = await session(h);
    c.send('MAIL FROM:<a@remote');
    await new Promise((r) => setTimeout(r, 100));
    c.send('.example>\r\nRCPT TO:<alice@exa');
    await new Promise((r) => setTimeout(r, 100));
    c.send('mple.com>\r\n');
    assert.equal(await c.reply(), '250 2.1.0 Ok');
    assert.equal(await c.reply(), '250 2.1.5 Ok');
  } finally {
    await h.close();
  }
});

test('a flood of over-long lines also ends at the hard error limit', async () => {
  const h = await startSmtpd({ line_length_limit: '100', smtpd_hard_error_limit: '3' });
  try {
    const c = await session(h);
    c.send(`${'x'.repeat(500)}\r\n`.repeat(10));
    assert.equal(await c.reply(), '500 5.5.2 Error: command not recognized');
    assert.equal(await c.reply(), '500 5.5.2 Error: command not recognized');
    assert.equal(await c.reply(), '500 5.5.2 Error: command not recognized');
    assert.equal(await c.reply(), '421 4.7.0 mx.example.com Error: too many errors');
    assert.ok(await c.waitClosed());
  } finally {
    await h.close();
  }
});
