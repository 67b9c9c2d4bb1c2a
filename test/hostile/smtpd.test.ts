/*
 * Hostile input against a real smtpd (under master, with the real cleanup): random
 * bytes, huge command lines, NUL bytes, invalid UTF-8, non-SMTP lines, 10,000
 * recipients, error floods, AUTH brute force, bare CR/LF in commands. Every expected
 * reply is Postfix's (checked side by side against Postfix 3.7's smtpd). After each
 * attack a normal client still gets its mail queued, no daemon crashed, smtpd's memory
 * stayed bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { expectLog, hasLog, startSmtpInstance, stopSmtpInstance, waitFor } from '../smtpd/instance.js';
import { assertHealthy, assertServed, childPids, firstSmtpd, greeted, randomBytes, RawClient, rng, rssMb, RSS_LIMIT_MB } from './lib.js';

const HOST = 'mail.example.test';

test('hostile SMTP commands', { timeout: 110_000 }, async (t) => {
  const si = await startSmtpInstance('recipient_delimiter = +');
  t.after(() => stopSmtpInstance(si));
  const pid = await firstSmtpd(si);
  assert.ok(pid, 'an smtpd process serves');
  const after = async (what: string): Promise<void> => {
    await assertServed(si, what);
    assertHealthy(si, pid, what);
  };

  await t.test('random bytes (seeded): every reply is a valid SMTP reply', async () => {
    const next = rng(0x5eed);
    const words = ['HELO', 'EHLO', 'MAIL FROM:', 'RCPT TO:', 'DATA', 'RSET', 'NOOP', 'VRFY', 'AUTH', 'BDAT', 'STARTTLS', 'QUIT'];
    for (let i = 0; i < 24; i++) {
      const c = await RawClient.connect(si.port);
      // Odd sessions: pure noise. Even ones: command words followed by noise, many lines.
      let junk = randomBytes(next, 512 + Math.floor(next() * 4096));
      if (i % 2 === 0) {
        const lines: Buffer[] = [];
        for (let j = 0; j < 30; j++) lines.push(Buffer.from(`${words[Math.floor(next() * words.length)]} `), randomBytes(next, Math.floor(next() * 200)), Buffer.from('\r\n'));
        junk = Buffer.concat(lines);
      }
      c.write(junk);
      await c.settle(300, 10_000);
      c.destroy();
      assert.ok(c.lines.length > 0, `session ${i}: greeted`);
      for (const l of c.lines) assert.match(l, /^[2-5]\d\d[ -]/, `session ${i}: "${l}" is an SMTP reply`);
      for (const l of c.lines.filter((x) => /^[45]/.test(x))) assert.match(l, /^[45]\d\d [45]\.\d\.\d /, `session ${i}: "${l}" has an enhanced status code`);
    }
    await after('random bytes');
  });

  await t.test('huge command lines: cut at line_length_limit as Postfix, 16 MB without LF costs no memory', async () => {
    const c = await greeted(si);
    assert.equal(await c.command(`NOOP ${'x'.repeat(3000)}`), '250 2.0.0 Ok');
    assert.equal(await c.command(`MAIL FROM:<${'a'.repeat(5000)}@remote.example>`), '501 5.1.7 Bad sender address syntax');
    c.write('NOOP ');
    c.write(Buffer.alloc(1024 * 1024, 0x79)); // 1 MB, no line end
    assert.equal(await c.command(''), '250 2.0.0 Ok', 'the 1 MB line is the (cut) NOOP');
    const chunk = Buffer.alloc(1024 * 1024, 0x7a);
    for (let i = 0; i < 16; i++) c.write(chunk);
    await c.command('', 30_000).then((r) => assert.equal(r, '500 5.5.2 Error: command not recognized', '16 MB of "z" is no command'));
    for (const p of childPids(si, 'smtpd/dist')) assert.ok(rssMb(p) < RSS_LIMIT_MB, `smtpd ${p} RSS ${rssMb(p)} MB`);
    assert.equal(await c.command('QUIT'), '221 2.0.0 Bye');
    await waitFor('the long-line warning', () => hasLog(si, /^warning: localhost\[127\.0\.0\.1\]: request longer than 2048: NOOP x{25}\.\.\.$/), 5000);
    await after('huge lines');
  });

  await t.test('NUL bytes and invalid UTF-8 in commands', async () => {
    const c = await greeted(si);
    assert.equal(await c.command('NOOP\0 junk'), '250 2.0.0 Ok', 'a NUL ends the command, as in Postfix');
    assert.equal(await c.command('MAIL FROM:<a\0b@remote.example>'), '501 5.1.7 Bad sender address syntax');
    assert.equal(await c.command('MAIL FROM:<\xc3\x28bad@remote.example> SMTPUTF8'), '500 5.5.2 Error: bad UTF-8 syntax');
    assert.equal(await c.command('MAIL FROM:<\xff@remote.example>'), '500 5.5.2 Error: bad UTF-8 syntax');
    assert.equal(await c.command('EHLO h\xc3\x28.example'), '500 5.5.2 Error: bad UTF-8 syntax');
    assert.equal(await c.command('MAIL FROM:<j\xc3\xb6rg@remote.example> SMTPUTF8'), '250 2.1.0 Ok', 'valid UTF-8 is fine');
    assert.equal(await c.command('RCPT TO:<\xe9@example.test>'), '500 5.5.2 Error: bad UTF-8 syntax');
    assert.equal(await c.command('RCPT TO:<alice@example.test>'), '250 2.1.5 Ok');
    assert.match(await c.command('DATA'), /^354 /);
    assert.match(await c.command('Subject: nul\0here\r\n\r\nbody \0 with NUL\r\n.'), /^250 2\.0\.0 Ok: queued as \w+$/, 'NUL in content is content');
    assert.equal(await c.command('QUIT'), '221 2.0.0 Bye');
    await after('NUL and bad UTF-8');
  });

  await t.test('non-SMTP lines end the session: 221 2.7.0, as Postfix', async () => {
    for (const line of ['Subject: hello', 'GET / HTTP/1.1', 'CONNECT 10.0.0.1:25 HTTP/1.0', 'POST /x HTTP/1.0', '.', '\x16\x03\x01']) {
      const c = await greeted(si, false);
      assert.equal(await c.command(line), '221 2.7.0 Error: I can break rules, too. Goodbye.', JSON.stringify(line));
      assert.ok(await c.waitClosed(), `${JSON.stringify(line)}: closed`);
    }
    await expectLog(si, /^warning: non-SMTP command from localhost\[127\.0\.0\.1\]: Subject: hello$/);
    // After a refused DATA, a message body sent anyway is not taken for commands.
    const c = await greeted(si);
    assert.equal(await c.command('MAIL FROM:<a@remote.example>'), '250 2.1.0 Ok');
    assert.match(await c.command('RCPT TO:<ghost@example.test>'), /^550 5\.1\.1 <ghost@example\.test>: Recipient address rejected/);
    assert.equal(await c.command('DATA'), '554 5.5.1 Error: no valid recipients');
    c.write('From: x@y.z\r\nRCPT TO:<bob@example.test>\r\n\r\nbody\r\n.\r\nQUIT\r\n');
    assert.equal(await c.reply(), '221 2.7.0 Error: I can break rules, too. Goodbye.');
    assert.ok(await c.waitClosed());
    await after('non-SMTP lines');
  });

  await t.test('10,000 pipelined RCPTs: 452 4.5.3 after smtpd_recipient_limit, then the error limit', async () => {
    const c = await greeted(si);
    const rcpts: string[] = [];
    for (let i = 0; i < 10_000; i++) rcpts.push(`RCPT TO:<alice+${i}@example.test>\r\n`);
    c.write(`MAIL FROM:<many@remote.example>\r\n${rcpts.join('')}DATA\r\n`);
    const counts = new Map<string, number>();
    for (;;) {
      const r = await c.reply(30_000);
      if (r === '') break;
      counts.set(r, (counts.get(r) ?? 0) + 1);
      if (r.startsWith('421')) break;
    }
    // Postfix: 1000 accepted, the next smtpd_recipient_overshoot_limit (1000) 452s are no
    // errors, the 20 after them are, and the 21st error ends the session.
    assert.deepEqual(Object.fromEntries(counts), {
      '250 2.1.0 Ok': 1,
      '250 2.1.5 Ok': 1000,
      '452 4.5.3 Error: too many recipients': 1020,
      [`421 4.7.0 ${HOST} Error: too many errors`]: 1,
    });
    assert.ok(await c.waitClosed());
    await after('10,000 RCPTs');
  });

  await t.test('error flood: 20 errors, then 421 4.7.0 too many errors', async () => {
    const c = await greeted(si);
    c.write('BOGUS\r\n'.repeat(30));
    for (let i = 0; i < 20; i++) assert.equal(await c.reply(), '500 5.5.2 Error: command not recognized', `error ${i + 1}`);
    assert.equal(await c.reply(), `421 4.7.0 ${HOST} Error: too many errors`);
    assert.ok(await c.waitClosed());
    await after('an error flood');
  });

  await t.test('AUTH brute force without AUTH: 503 5.5.1, then the error limit', async () => {
    const c = await greeted(si);
    c.write('AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n'.repeat(25));
    for (let i = 0; i < 20; i++) assert.equal(await c.reply(), '503 5.5.1 Error: authentication not enabled', `AUTH ${i + 1}`);
    assert.equal(await c.reply(), `421 4.7.0 ${HOST} Error: too many errors`);
    assert.ok(await c.waitClosed());
    await after('AUTH brute force');
  });

  await t.test('bare LF and bare CR in commands (smtpd_forbid_bare_newline = reject): refused, closed', async () => {
    for (const [line, what] of [['NOOP\n', 'LF'], ['NOOP a\rb\r\n', 'CR'], ['EHLO x.example\n', 'LF']] as const) {
      const c = await greeted(si, false);
      c.write(line);
      assert.equal(await c.reply(), `550 5.5.2 ${HOST} Error: bare <${what}> received`, JSON.stringify(line));
      assert.ok(await c.waitClosed());
    }
    await after('bare newlines in commands');
  });
});
