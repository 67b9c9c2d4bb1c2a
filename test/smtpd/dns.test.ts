/*
 * End-to-end: restrictions that ask DNS, against a zone server on loopback (dns_servers):
 * reject_rbl_client, reject_unknown_sender_domain, and the client hostname lookup.
 * No query leaves 127.0.0.1.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hasLog, startSmtpInstance, stopSmtpInstance, swaks, waitFor } from './instance.js';

test('reject_rbl_client and reject_unknown_sender_domain with a local DNS server', { timeout: 60_000 }, async (t) => {
  const si = await startSmtpInstance(
    [
      'smtpd_client_restrictions = reject_rbl_client rbl.example.test',
      'smtpd_sender_restrictions = reject_unknown_sender_domain',
    ].join('\n'),
    {
      'remote.example': { MX: [[10, 'mx.remote.example']] },
      'gone.example': { A: [] },
      'nullmx.example': { MX: [[0, '.']] },
      'slow.example': 'servfail',
    },
  );
  t.after(() => stopSmtpInstance(si));
  const ok = await swaks(si, ['--from', 'a@remote.example', '--to', 'alice@example.test']);
  assert.equal(ok.status, 0, ok.out);
  const nx = await swaks(si, ['--from', 'a@nowhere.example', '--to', 'alice@example.test']);
  assert.match(nx.out, /<\*\* +450 4\.1\.8 <a@nowhere\.example>: Sender address rejected: Domain not found/);
  const nodata = await swaks(si, ['--from', 'a@gone.example', '--to', 'alice@example.test']);
  assert.match(nodata.out, /<\*\* +450 4\.1\.8 <a@gone\.example>: Sender address rejected: Domain not found/);
  const nullmx = await swaks(si, ['--from', 'a@nullmx.example', '--to', 'alice@example.test']);
  assert.match(nullmx.out, /<\*\* +556 5\.7\.27 <a@nullmx\.example>: Sender address rejected: Domain nullmx\.example does not accept mail \(nullMX\)/);
  const temp = await swaks(si, ['--from', 'a@slow.example', '--to', 'alice@example.test']);
  assert.match(temp.out, /<\*\* +450 4\.1\.8 <a@slow\.example>: Sender address rejected: Domain not found/, 'defer_if_permit');

  // Now list 127.0.0.1 in the blocklist: every client from loopback is refused.
  si.dns.zone['1.0.0.127.rbl.example.test'] = { A: ['127.0.0.2'], TXT: ['see https://rbl.example.test/127.0.0.1'] };
  const listed = await swaks(si, ['--from', 'a@remote.example', '--to', 'alice@example.test']);
  assert.match(listed.out, /<\*\* +554 5\.7\.1 Service unavailable; Client host \[127\.0\.0\.1\] blocked using rbl\.example\.test; see https:\/\/rbl\.example\.test\/127\.0\.0\.1/);
  assert.ok(si.dns.queries.some((q) => q === 'A 1.0.0.127.rbl.example.test'));
  await waitFor('the rejection in the log', () => hasLog(si, /^NOQUEUE: reject: RCPT from localhost\[127\.0\.0\.1\]: 554 5\.7\.1 Service unavailable;/), 5000);
});
