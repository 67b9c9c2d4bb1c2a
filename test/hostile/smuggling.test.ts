/*
 * SMTP smuggling (the December 2023 reports, CVE-2023-51764 and friends): a client ends
 * its message with a sequence some server takes for <CR><LF>.<CR><LF> and pipelines a
 * second, forged transaction behind it. Only <CR><LF>.<CR><LF> may end a message here,
 * so under every smtpd_forbid_bare_newline mode none of the variants ends the message
 * early and no second message appears: `reject` (our default) refuses the message with
 * Postfix 3.9's `550 5.5.2 <host> Error: bare <LF> received` and the session goes on in
 * step; `normalize` and `no` queue one message that holds the attempt as text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queueFiles, readQueued, startSmtpInstance, stopSmtpInstance, type SmtpInstance } from '../smtpd/instance.js';
import { assertHealthy, assertServed, greeted, sleep } from './lib.js';

const VARIANTS: Record<string, string> = {
  'LF.LF': '\n.\n',
  'CRLF.LF': '\r\n.\n',
  'LF.CRLF': '\n.\r\n',
  'CR.CR': '\r.\r',
  'CRLF.CR': '\r\n.\r',
  'CR.CRLF': '\r.\r\n',
  'CR.LF': '\r.\n',
  'LF.CR': '\n.\r',
  'CRLF.CRCRLF': '\r\n.\r\r\n',
  'CRLF.NUL.CRLF': '\r\n.\0\r\n',
};
const SMUGGLED = 'MAIL FROM:<admin@example.test>\r\nRCPT TO:<bob@example.test>\r\nDATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n';
const BARE_NEWLINE = new Set(Object.keys(VARIANTS).filter((k) => k !== 'CRLF.NUL.CRLF'));

/** attempt - one session per variant; the replies to the message and to QUIT. */
async function attempt(si: SmtpInstance, end: string): Promise<[string, string, string]> {
  const c = await greeted(si);
  try {
    assert.equal(await c.command('MAIL FROM:<a@remote.example>'), '250 2.1.0 Ok');
    assert.equal(await c.command('RCPT TO:<alice@example.test>'), '250 2.1.5 Ok');
    assert.match(await c.command('DATA'), /^354 /);
    c.write(`Subject: first\r\n\r\nhi${end}${SMUGGLED}`);
    const first = await c.reply();
    const extra = await c.reply(700); // a smuggled transaction would answer here
    return [first, extra, await c.command('QUIT')];
  } finally {
    c.destroy();
  }
}

async function run(t: { after: (f: () => Promise<void>) => void }, mode: string): Promise<void> {
  const si = await startSmtpInstance(mode === 'reject' ? '' : `smtpd_forbid_bare_newline = ${mode}`);
  t.after(() => stopSmtpInstance(si));
  let queued = 0;
  for (const [name, end] of Object.entries(VARIANTS)) {
    const [first, extra, quit] = await attempt(si, end);
    if (mode === 'reject' && BARE_NEWLINE.has(name)) {
      assert.match(first, /^550 5\.5\.2 mail\.example\.test Error: bare <(LF|CR)> received$/, `${mode} ${name}`);
    } else {
      assert.match(first, /^250 2\.0\.0 Ok: queued as \w+$/, `${mode} ${name}`);
      queued++;
    }
    assert.equal(extra, '', `${mode} ${name}: no second transaction answered`);
    assert.equal(quit, '221 2.0.0 Bye', `${mode} ${name}: the session is in step`);
  }
  await sleep(300);
  const ids = queueFiles(si, 'incoming');
  assert.equal(ids.length, queued, `${mode}: one message per accepted session, none smuggled`);
  for (const id of ids) {
    const m = await readQueued(si, 'incoming', id);
    assert.equal(m.qf.sender, 'a@remote.example');
    assert.deepEqual(m.qf.recipients.map((r) => r.address), ['alice@example.test'], 'the smuggled RCPT never became a recipient');
    assert.match(m.content, /MAIL FROM:<admin@example\.test>/, 'the attempt stays message text');
    if (mode !== 'no') assert.doesNotMatch(m.content, /[^\r]\n|\r(?!\n)/, 'no bare LF or CR reaches the queue');
  }
  await assertServed(si, `smuggling (${mode})`);
  assertHealthy(si, undefined, `smuggling (${mode})`);
}

test('SMTP smuggling variants, smtpd_forbid_bare_newline = reject (default)', { timeout: 60_000 }, (t) => run(t, 'reject'));
test('SMTP smuggling variants, smtpd_forbid_bare_newline = normalize', { timeout: 60_000 }, (t) => run(t, 'normalize'));
test('SMTP smuggling variants, smtpd_forbid_bare_newline = no', { timeout: 60_000 }, (t) => run(t, 'no'));
