/*
 * Malformed and oversized messages at cleanup, through smtpd and through sendmail:
 * broken MIME (unterminated boundaries, bad base64, 8-bit header bytes, 300 levels of
 * nested multiparts), a 1 MB header line, 100,000 headers, and messages exactly at and
 * one byte over message_size_limit. As Postfix by default (no strict_* options), the
 * malformed ones are accepted and stored as they came (a header longer than
 * header_size_limit is cut there); the oversized one gets `552 5.3.4 Error: message file
 * too big`. body_checks is set so that every message also goes through cleanup's MIME
 * parser, the part most exposed to malformed structure.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { run } from '../submission/instance.js';
import { hasLog, queueFiles, readQueued, startSmtpInstance, stopSmtpInstance, waitFor, type SmtpInstance } from '../smtpd/instance.js';
import { assertHealthy, assertServed, firstSmtpd, greeted, sleep } from './lib.js';

const LIMIT = 4_000_000;

/** deliver - one message over SMTP (content without the final dot line); the final reply. */
async function deliver(si: SmtpInstance, content: string | Buffer): Promise<string> {
  const c = await greeted(si);
  try {
    assert.equal(await c.command('MAIL FROM:<a@remote.example>'), '250 2.1.0 Ok');
    assert.equal(await c.command('RCPT TO:<alice@example.test>'), '250 2.1.5 Ok');
    assert.match(await c.command('DATA'), /^354 /);
    c.write(content);
    return await c.command('.', 60_000);
  } finally {
    c.destroy();
  }
}

/** queuedContent - the content of the message with this queue ID. */
async function queuedContent(si: SmtpInstance, reply: string): Promise<string> {
  const id = /queued as (\w+)$/.exec(reply)?.[1];
  assert.ok(id, reply);
  await waitFor(`${id} in incoming/`, () => queueFiles(si, 'incoming').includes(id), 10_000);
  return (await readQueued(si, 'incoming', id)).content;
}

test('malformed and oversized messages at cleanup', { timeout: 110_000 }, async (t) => {
  const si = await startSmtpInstance(`message_size_limit = ${LIMIT}\nbody_checks = regexp:{{/^xyzzy-never-matches$/ REJECT}}`);
  t.after(() => stopSmtpInstance(si));
  const pid = await firstSmtpd(si);
  const after = async (what: string): Promise<void> => {
    await assertServed(si, what);
    assertHealthy(si, pid, what);
    for (const p of [...new Set(queueFiles(si, 'corrupt'))]) assert.fail(`corrupt queue file ${p}`);
  };

  await t.test('broken MIME: unterminated boundary, bad base64, 8-bit headers: accepted as is', async () => {
    const msg = [
      'Subject: caf\xe9 \xff\xfe broken',
      'From: "J\xf6rg" <j@remote.example>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b1"',
      '',
      '--b1',
      'Content-Type: text/plain',
      'Content-Transfer-Encoding: base64',
      '',
      '!!!! not base64 at all ====',
      '--b1',
      'Content-Type: multipart/alternative; boundary="never-closed"',
      '',
      '--never-closed',
      'Content-Type: text/html',
      '',
      '<p>no end boundary follows',
      '',
    ].join('\r\n');
    const r = await deliver(si, Buffer.from(`${msg}\r\n`, 'latin1'));
    assert.match(r, /^250 2\.0\.0 Ok: queued as \w+$/);
    const content = Buffer.from(await queuedContent(si, r), 'utf8');
    assert.ok(content.length > 0);
    await after('broken MIME');
  });

  await t.test('300 levels of nested multiparts: accepted (Postfix reports nesting only with strict options)', async () => {
    const open: string[] = ['Subject: nested', 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="n0"', ''];
    const close: string[] = [];
    for (let i = 0; i < 300; i++) {
      open.push(`--n${i}`, `Content-Type: multipart/mixed; boundary="n${i + 1}"`, '');
      close.unshift(`--n${i}--`);
    }
    open.push('--n300', 'Content-Type: text/plain', '', 'deep inside', '--n300--');
    const r = await deliver(si, `${[...open, ...close].join('\r\n')}\r\n`);
    assert.match(r, /^250 2\.0\.0 Ok: queued as \w+$/);
    assert.match(await queuedContent(si, r), /deep inside/);
    await after('nested multiparts');
  });

  await t.test('a 1 MB header line: accepted, cut at header_size_limit', async () => {
    const r = await deliver(si, `Subject: ${'a'.repeat(1024 * 1024)}\r\nX-After: still here\r\n\r\nbody\r\n`);
    assert.match(r, /^250 2\.0\.0 Ok: queued as \w+$/);
    const content = await queuedContent(si, r);
    const subject = /^Subject: (a*)/m.exec(content)?.[1] ?? '';
    assert.ok(subject.length > 1000 && subject.length <= 102_400, `Subject kept ${subject.length} bytes`);
    assert.ok(content.length < 200_000, 'the excess is gone');
    await after('a 1 MB header line');
  });

  await t.test('100,000 headers: accepted, every one kept', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(`X-H${i}: v${i}`);
    const r = await deliver(si, `Subject: many\r\n${lines.join('\r\n')}\r\n\r\nbody\r\n`);
    assert.match(r, /^250 2\.0\.0 Ok: queued as \w+$/);
    const content = await queuedContent(si, r);
    assert.equal(content.match(/^X-H\d+: /gm)?.length, 100_000);
    await after('100,000 headers');
  });

  await t.test('message_size_limit: exactly at the limit is accepted, one byte over is refused', async () => {
    const head = 'Subject: size\r\n\r\n';
    const line = `${'x'.repeat(98)}\r\n`;
    const fill = LIMIT - head.length;
    const exact = head + line.repeat(Math.floor(fill / line.length)) + 'y'.repeat((fill % line.length) - 2) + '\r\n';
    assert.equal(exact.length, LIMIT);
    assert.match(await deliver(si, exact), /^250 2\.0\.0 Ok: queued as \w+$/);
    const over = `${exact.slice(0, -2)}z\r\n`;
    assert.equal(over.length, LIMIT + 1);
    assert.equal(await deliver(si, over), '552 5.3.4 Error: message file too big');
    await waitFor('the warning', () => hasLog(si, /^warning: \w+: queue file size limit exceeded$/), 5000);
    const c = await greeted(si);
    assert.equal(await c.command(`MAIL FROM:<a@remote.example> SIZE=${LIMIT + 1}`), '552 5.3.4 Message size exceeds fixed limit');
    c.destroy();
    await after('the size limit');
  });

  await t.test('sendmail: 100,000 headers and a 1 MB header line through pickup', async () => {
    const before = queueFiles(si, 'incoming').length;
    const lines: string[] = [];
    for (let i = 0; i < 100_000; i++) lines.push(`X-S${i}: v`);
    const big = `Subject: ${'b'.repeat(1024 * 1024)}\nFrom: a@example.test\n${lines.join('\n')}\n\nbody\n`;
    const r = run(si, 'sendmail', ['-f', 'a@example.test', 'alice@example.test'], { input: big });
    assert.equal(r.status, 0, r.stderr);
    await waitFor('the message through pickup', () => queueFiles(si, 'incoming').length > before, 30_000);
    await sleep(200);
    await after('sendmail with hostile headers');
  });
});
