/*
 * End-to-end tests of the smtp delivery agent: the real agent under master, real
 * delivery requests over its socket for queue files in active/, and real peers on
 * loopback: Postfix's smtp-sink (accepting, 4xx, 5xx), a closed port, and a DNS server
 * in the test (dns2) whose MX records send example.net to mx1 (127.0.0.2, down) and
 * mx2 (127.0.0.3, smtp-sink).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DnsZoneServer } from '@mailroom/global';
import { freePort, waitFor } from '../master/instance.js';
import { agentInstance, dumpDir, dumps, listening, smtpSink, type AgentInstance } from './harness.js';

const STATUS = /^[0-9A-Za-z]+: to=<([^>]+)>, relay=(\S+), delay=[\d.]+, delays=[\d.]+\/[\d.]+\/[\d.]+\/[\d.]+, dsn=(\d\.\d+\.\d+), status=(\w+) \((.*)\)$/;

/** statusOf - the parsed status line of one recipient. */
function statusOf(ai: AgentInstance, queueId: string, rcpt: string): { relay: string; dsn: string; status: string; reason: string } | undefined {
  for (const l of ai.logFor(queueId)) {
    const m = STATUS.exec(l);
    if (m && m[1] === rcpt) return { relay: m[2]!, dsn: m[3]!, status: m[4]!, reason: m[5]! };
  }
  return undefined;
}

test('smtp: MX lookup through a test DNS server, fallback to the lower-preference MX, null MX and NXDOMAIN bounce', async (t) => {
  const port = await freePort();
  const dns = new DnsZoneServer({
    'example.net': { MX: [[10, 'mx1.example.net'], [20, 'mx2.example.net']] },
    'mx1.example.net': { A: ['127.0.0.2'] },
    'mx2.example.net': { A: ['127.0.0.3'] },
    'nullmx.example': { MX: [[0, '.']] },
    'flaky.example': 'servfail',
  });
  const dnsPort = await dns.start();
  t.after(() => dns.stop());
  const ai = await agentInstance(`dns_servers = 127.0.0.1:${dnsPort}\nsmtp_connection_cache_on_demand = no`);
  t.after(() => ai.cleanup());
  const dir = dumpDir(ai);
  smtpSink(ai, `127.0.0.3:${port}`, ['-d', `${dir}/%H%M%S.`]);
  await listening('127.0.0.3', port);

  const req = await ai.message({ rcpts: ['u@example.net', 'v@example.net'], nexthop: `example.net:${port}` });
  const rep = await ai.deliver(req);
  assert.deepEqual(rep.results.map((r) => r.status), ['sent', 'sent']);
  assert.equal(rep.results[0]?.relay, `mx2.example.net[127.0.0.3]:${port}`);
  assert.equal(rep.results[0]?.remoteMta, 'dns; mx2.example.net');
  assert.equal(rep.destinationFailed, undefined);
  assert.equal(await ai.doneCount(req.path), 2, 'sent recipients are marked done before the reply');
  await waitFor('the status lines', () => statusOf(ai, req.queueId, 'v@example.net') !== undefined);
  assert.deepEqual(statusOf(ai, req.queueId, 'u@example.net'), { relay: `mx2.example.net[127.0.0.3]:${port}`, dsn: '2.0.0', status: 'sent', reason: '250 2.0.0 Ok' });
  await waitFor('the dump', () => dumps(dir).length === 1);
  const dump = dumps(dir)[0]!;
  assert.match(dump, /X-Rcpt-Args: <u@example\.net>/);
  assert.match(dump, new RegExp(`hello from ${req.queueId}\\r?\\n\\.leading dot`), 'dot-stuffing undone by the server');

  const cases: [string, string, string, RegExp][] = [
    ['nullmx.example', 'bounced', '5.1.10', /^Domain nullmx\.example does not accept mail \(nullMX\)$/],
    ['nosuch.example', 'bounced', '5.4.4', /^Host or domain name not found\. Name service error for name=nosuch\.example type=MX: Host not found$/],
    ['flaky.example', 'deferred', '4.4.3', /^Host or domain name not found\. Name service error for name=flaky\.example type=MX: Host not found, try again$/],
  ];
  for (const [domain, status, dsn, reason] of cases) {
    const r = await ai.deliver(await ai.message({ rcpts: [`u@${domain}`], nexthop: domain }));
    assert.equal(r.results[0]?.status, status, domain);
    assert.equal(r.results[0]?.dsn, dsn, domain);
    assert.match(r.results[0]?.reason ?? '', reason);
    assert.equal(r.results[0]?.relay, 'none');
  }
});

test('smtp: [127.0.0.1]:port next hop with smtp-sink accepting, soft-rejecting and hard-rejecting', async (t) => {
  const ai = await agentInstance('smtp_connection_cache_on_demand = no');
  t.after(() => ai.cleanup());
  const ports = { ok: await freePort(), soft: await freePort(), hard: await freePort() };
  smtpSink(ai, `127.0.0.1:${ports.ok}`);
  smtpSink(ai, `127.0.0.1:${ports.soft}`, ['-r', 'rcpt']);
  smtpSink(ai, `127.0.0.1:${ports.hard}`, ['-f', 'rcpt']);
  for (const p of Object.values(ports)) await listening('127.0.0.1', p);

  const cases: [number, string, string, RegExp][] = [
    [ports.ok, 'sent', '2.0.0', /^250 2\.0\.0 Ok$/],
    [ports.soft, 'deferred', '4.3.0', /^host 127\.0\.0\.1\[127\.0\.0\.1\] said: 450 4\.3\.0 Error: command failed \(in reply to RCPT TO command\)$/],
    [ports.hard, 'bounced', '5.3.0', /^host 127\.0\.0\.1\[127\.0\.0\.1\] said: 500 5\.3\.0 Error: command failed \(in reply to RCPT TO command\)$/],
  ];
  for (const [port, status, dsn, reason] of cases) {
    const req = await ai.message({ rcpts: ['u@example.net'], nexthop: `[127.0.0.1]:${port}` });
    const r = await ai.deliver(req);
    assert.equal(r.results[0]?.status, status);
    assert.equal(r.results[0]?.dsn, dsn);
    assert.match(r.results[0]?.reason ?? '', reason);
    assert.equal(r.results[0]?.relay, `127.0.0.1[127.0.0.1]:${port}`);
    assert.equal(await ai.doneCount(req.path), status === 'sent' ? 1 : 0, 'only sent recipients are marked done');
    await waitFor('the status line', () => statusOf(ai, req.queueId, 'u@example.net')?.status === status);
  }
});

test('smtp: a closed port defers with destinationFailed', async (t) => {
  const ai = await agentInstance('');
  t.after(() => ai.cleanup());
  const port = await freePort();
  const req = await ai.message({ rcpts: ['u@example.net'], nexthop: `[127.0.0.1]:${port}` });
  const r = await ai.deliver(req);
  assert.deepEqual(
    { status: r.results[0]?.status, dsn: r.results[0]?.dsn, reason: r.results[0]?.reason, relay: r.results[0]?.relay, failed: r.destinationFailed },
    { status: 'deferred', dsn: '4.4.1', reason: `connect to 127.0.0.1[127.0.0.1]:${port}: Connection refused`, relay: 'none', failed: true },
  );
  assert.equal(await ai.doneCount(req.path), 0);
});

test('smtp: two messages to one destination share one connection (RSET between them)', async (t) => {
  const ai = await agentInstance('smtp_connection_cache_time_limit = 1s');
  t.after(() => ai.cleanup());
  const port = await freePort();
  const sink = smtpSink(ai, `127.0.0.1:${port}`);
  await listening('127.0.0.1', port);
  await waitFor('the probe session to be counted', () => /quit=0 mesg=0/.test(sink.output()));
  for (let i = 0; i < 2; i++) {
    const r = await ai.deliver(await ai.message({ rcpts: [`u${i}@example.net`], nexthop: `[127.0.0.1]:${port}` }));
    assert.equal(r.results[0]?.status, 'sent');
  }
  // The cached connection is closed with QUIT after smtp_connection_cache_time_limit.
  await waitFor('the cached session to end', () => /quit=1 mesg=2/.test(sink.output()), 10_000);
  const last = sink.output().split('\r').filter(Boolean).pop() ?? '';
  assert.match(last, /^sess=2 quit=1 mesg=2$/, 'one session (plus the probe) carried both messages');
});
