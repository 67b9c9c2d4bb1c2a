/*
 * Load check: Postfix's smtp-source sends 200 messages over 10 parallel sessions (one
 * connection per message, HELO, no pipelining); every one must be in incoming/ with its
 * envelope, and smtpd must log a clean disconnect for each session. Speed is measured by
 * `npm run bench`, not here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logMessages, queueFiles, smtpSource, startSmtpInstance, stopSmtpInstance, waitFor } from './instance.js';

test('smtp-source: 200 messages in 10 sessions all reach the queue', { timeout: 180_000 }, async (t) => {
  const si = await startSmtpInstance('smtpd_client_connection_count_limit = 20');
  t.after(() => stopSmtpInstance(si));
  const r = await smtpSource(si, ['-s', '10', '-m', '200', '-l', '2000', '-f', 'load@remote.example', '-t', 'alice@example.test', '-M', 'client.example.net']);
  assert.equal(r.status, 0, r.out);
  await waitFor('200 messages in incoming/', () => queueFiles(si, 'incoming').length >= 200, 60_000);
  assert.equal(queueFiles(si, 'incoming').length, 200);
  const clean = (): string[] => logMessages(si).filter((l) => l.startsWith('disconnect from '));
  await waitFor('200 disconnect lines', () => clean().length >= 200, 20_000).catch(() => undefined);
  const lines = clean();
  assert.equal(lines.length, 200, 'one disconnect line per session');
  assert.deepEqual([...new Set(lines)], ['disconnect from localhost[127.0.0.1] helo=1 mail=1 rcpt=1 data=1 quit=1 commands=5']);
});
