/*
 * AUTH brute force against a real SASL backend (passwd-file): every wrong password is
 * `535 5.7.8 Error: authentication failed: ...` and an error, so a client guessing
 * passwords is dropped at smtpd_hard_error_limit with `421 4.7.0 ... too many errors`,
 * as by Postfix; the right password still works on a new connection, garbage in the SASL
 * exchange is answered, and nothing crashes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { hasLog, startSmtpInstance, stopSmtpInstance, waitFor } from '../smtpd/instance.js';
import { assertHealthy, assertServed, firstSmtpd, greeted } from './lib.js';

const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');

test('AUTH brute force: 535 for each guess, 421 at the hard error limit', { timeout: 60_000 }, async (t) => {
  const si = await startSmtpInstance(['smtpd_sasl_auth_enable = yes', 'smtpd_sasl_type = passwd-file'].join('\n'), {}, (inst) => {
    const file = path.join(inst.etc, 'sasl-passwd');
    fs.writeFileSync(file, 'alice@example.test:{PLAIN}secret::::::\n', { mode: 0o644 });
    fs.appendFileSync(path.join(inst.etc, 'main.cf'), `smtpd_sasl_path = ${file}\n`);
  });
  t.after(() => stopSmtpInstance(si));
  const pid = await firstSmtpd(si);

  const c = await greeted(si);
  for (let i = 0; i < 25; i++) c.write(`AUTH PLAIN ${b64(`\0alice@example.test\0guess${i}`)}\r\n`);
  for (let i = 0; i < 20; i++) assert.match(await c.reply(), /^535 5\.7\.8 Error: authentication failed: /, `guess ${i + 1}`);
  assert.equal(await c.reply(), '421 4.7.0 mail.example.test Error: too many errors');
  assert.ok(await c.waitClosed());
  await waitFor('the failures in the log', () => hasLog(si, /^warning: localhost\[127\.0\.0\.1\]: SASL PLAIN authentication failed/), 5000);

  const junk = await greeted(si);
  assert.equal(await junk.command('AUTH PLAIN !!!not-base64!!!'), '535 5.7.8 Error: authentication failed: Invalid base64 data in initial response');
  // 20,000 bytes of base64 are cut at line_length_limit, so they no longer decode.
  assert.equal(await junk.command(`AUTH PLAIN ${b64('x'.repeat(20_000))}`), '535 5.7.8 Error: authentication failed: Invalid base64 data in initial response');
  assert.match(await junk.command('AUTH LOGIN'), /^334 /);
  assert.equal(await junk.command('\xff\xfe'), '535 5.7.8 Error: authentication failed: Invalid base64 data in continued response');
  junk.destroy();

  const ok = await greeted(si);
  assert.equal(await ok.command(`AUTH PLAIN ${b64('\0alice@example.test\0secret')}`), '235 2.7.0 Authentication successful');
  ok.destroy();
  await assertServed(si, 'AUTH brute force');
  assertHealthy(si, pid, 'AUTH brute force');
});
