import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeliverResult } from '@mailroom/global';
import { deliverRequest } from './deliver.js';
import { FakeServer, selfSignedCert, testAgent, type FakeOptions } from './testing.js';

interface Case {
  name: string;
  server?: FakeOptions;
  settings?: Record<string, string>;
  rcpts?: string[];
  content?: string;
  proto?: 'smtp' | 'lmtp';
  /** Per recipient: [status, dsn, reason pattern]. */
  want: [string, string, RegExp][];
  destinationFailed?: boolean;
  check?: (srv: FakeServer, results: DeliverResult[]) => void;
}

const cases: Case[] = [
  {
    name: 'pipelined delivery with DSN parameters, CRLF and dot-stuffing',
    content: 'Subject: t\n\n.dot\nline\n',
    want: [['sent', '2.0.0', /^250 2\.0\.0 Ok: queued as FAKE1$/]],
    check: (srv, res) => {
      assert.deepEqual(srv.commands.slice(1, 4), [
        'MAIL FROM:<sender@example.org> RET=HDRS ENVID=env+2Bid', 'RCPT TO:<u@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;u@example.net', 'DATA',
      ]);
      assert.equal(srv.messages[0]?.data, 'Subject: t\r\n\r\n..dot\r\nline\r\n');
      assert.match(res[0]!.relay, /^127\.0\.0\.1\[127\.0\.0\.1\]:\d+$/);
      assert.equal(res[0]!.remoteMta, 'dns; 127.0.0.1');
    },
  },
  {
    name: 'per-recipient rejection keeps the server reply',
    rcpts: ['good@example.net', 'bad@example.net', 'later@example.net'],
    server: { rcpt: (a) => (a.startsWith('bad') ? `550 5.1.1 <${a}>: Recipient address rejected` : a.startsWith('later') ? '450 4.2.0 busy' : '250 2.1.5 Ok') },
    want: [
      ['sent', '2.0.0', /queued as/],
      ['bounced', '5.1.1', /^host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550 5\.1\.1 <bad@example\.net>: Recipient address rejected \(in reply to RCPT TO command\)$/],
      ['deferred', '4.2.0', /said: 450 4\.2\.0 busy \(in reply to RCPT TO command\)/],
    ],
  },
  {
    name: 'MAIL FROM rejected applies to every recipient',
    server: { mail: '553 5.1.8 sender rejected', extensions: [] },
    rcpts: ['a@example.net', 'b@example.net'],
    want: [['bounced', '5.1.8', /in reply to MAIL FROM command/], ['bounced', '5.1.8', /in reply to MAIL FROM command/]],
    check: (srv) => assert.ok(!srv.commands.some((c) => c.startsWith('RCPT')), 'no RCPT after a failed MAIL without pipelining'),
  },
  {
    name: 'message larger than the server SIZE bounces before MAIL',
    server: { extensions: ['PIPELINING', 'SIZE 10'] },
    want: [['bounced', '5.3.4', /^message size \d+ exceeds size limit 10 of server 127\.0\.0\.1\[127\.0\.0\.1\]$/]],
    check: (srv) => assert.ok(!srv.commands.some((c) => c.startsWith('MAIL'))),
  },
  {
    name: 'SIZE is announced when the server offers it',
    server: { extensions: ['SIZE 100000'] },
    want: [['sent', '2.0.0', /Ok/]],
    check: (srv) => assert.match(srv.commands[1] ?? '', /^MAIL FROM:<sender@example\.org> SIZE=\d+$/),
  },
  {
    name: 'SMTPUTF8 address without server support bounces 5.6.7',
    rcpts: ['üser@example.net'],
    want: [['bounced', '5.6.7', /^SMTPUTF8 is required, but was not offered by host 127\.0\.0\.1\[127\.0\.0\.1\]$/]],
  },
  {
    name: 'SMTPUTF8 address with server support',
    rcpts: ['üser@example.net'],
    server: { extensions: ['SMTPUTF8'] },
    want: [['sent', '2.0.0', /Ok/]],
    check: (srv) => assert.match(srv.commands[1] ?? '', /SMTPUTF8$/),
  },
  {
    name: 'EHLO refused: HELO fallback',
    server: { ehlo: '502 5.5.2 no EHLO here' },
    want: [['sent', '2.0.0', /Ok/]],
    check: (srv) => assert.deepEqual(srv.commands.slice(0, 3).map((c) => c.split(' ')[0]), ['EHLO', 'HELO', 'MAIL']),
  },
  {
    name: '4xx greeting defers and marks the destination failed',
    server: { greeting: '421 4.3.2 go away' },
    want: [['deferred', '4.3.2', /^host 127\.0\.0\.1\[127\.0\.0\.1\] refused to talk to me: 421 4\.3\.2 go away$/]],
    destinationFailed: true,
  },
  {
    name: '5xx greeting is skipped (deferred) by default',
    server: { greeting: '554 5.7.1 no' },
    want: [['deferred', '4.7.1', /refused to talk to me: 554 5\.7\.1 no/]],
    destinationFailed: true,
  },
  {
    name: '5xx greeting bounces with smtp_skip_5xx_greeting = no',
    server: { greeting: '554 5.7.1 no' },
    settings: { smtp_skip_5xx_greeting: 'no' },
    want: [['bounced', '5.7.1', /refused to talk to me/]],
  },
  {
    name: 'a server calling itself $myhostname is a mail loop',
    server: { name: 'mailroom.example' },
    want: [['bounced', '5.4.6', /^mail for \[127\.0\.0\.1\]:\d+ loops back to myself$/]],
  },
  {
    name: 'connection lost at RCPT',
    server: { dropAt: 'RCPT' },
    want: [['deferred', '4.4.2', /^lost connection with 127\.0\.0\.1\[127\.0\.0\.1\] while sending RCPT TO$/]],
  },
  {
    name: 'no reply to RCPT within smtp_rcpt_timeout',
    server: { silentAt: 'RCPT' },
    settings: { smtp_rcpt_timeout: '1s' },
    want: [['deferred', '4.4.2', /^conversation with 127\.0\.0\.1\[127\.0\.0\.1\] timed out while sending RCPT TO$/]],
  },
  {
    name: 'final reply 5xx bounces',
    server: { dot: () => ['554 5.7.1 content rejected'] },
    want: [['bounced', '5.7.1', /said: 554 5\.7\.1 content rejected \(in reply to end of DATA command\)/]],
  },
  {
    name: 'LMTP: one reply per recipient after DATA',
    proto: 'lmtp',
    rcpts: ['a@example.net', 'b@example.net', 'c@example.net'],
    server: {
      lmtp: true,
      rcpt: (a) => (a.startsWith('c') ? `550 5.1.1 <${a}> User doesn't exist` : '250 2.1.5 Ok'),
      dot: (acc) => acc.map((a) => (a.startsWith('a') ? `250 2.0.0 <${a}> Saved` : `452 4.2.2 <${a}> Mailbox is full`)),
    },
    want: [
      ['sent', '2.0.0', /^250 2\.0\.0 <a@example\.net> Saved$/],
      ['deferred', '4.2.2', /said: 452 4\.2\.2 <b@example\.net> Mailbox is full \(in reply to end of DATA command\)/],
      ['bounced', '5.1.1', /in reply to RCPT TO command/],
    ],
    check: (srv) => assert.match(srv.commands[0] ?? '', /^LHLO mailroom\.example$/),
  },
];

for (const c of cases) {
  test(`smtp client: ${c.name}`, async () => {
    const srv = new FakeServer(c.server);
    const port = await srv.start();
    const agent = testAgent({ inet_protocols: 'ipv4', ...c.settings }, c.proto);
    try {
      const req = await agent.request({
        rcpts: c.rcpts ?? ['u@example.net'], nexthop: `[127.0.0.1]:${port}`, content: c.content, envid: 'env+id', ret: 2, notify: 2 | 8,
      });
      const out = await deliverRequest(req, agent.ctx, agent.state);
      assert.equal(out.results.length, c.want.length);
      out.results.forEach((r, i) => {
        const [status, dsn, reason] = c.want[i]!;
        assert.equal(r.status, status, `${i}: ${r.reason}`);
        assert.equal(r.dsn, dsn, `${i}: ${r.reason}`);
        assert.match(r.reason, reason);
        assert.ok((r.connectSeconds ?? -1) >= 0 && (r.transmitSeconds ?? -1) >= 0);
      });
      assert.equal(out.destinationFailed ?? false, c.destinationFailed ?? false);
      c.check?.(srv, out.results);
    } finally {
      agent.cleanup();
      await srv.stop();
    }
  });
}

test('smtp client: opportunistic STARTTLS (smtp_tls_security_level = may)', async () => {
  const agent = testAgent({ inet_protocols: 'ipv4', smtp_tls_security_level: 'may', smtp_tls_loglevel: '1' });
  const srv = new FakeServer({ tls: selfSignedCert(agent.dir) });
  const port = await srv.start();
  try {
    const out = await deliverRequest(await agent.request({ rcpts: ['u@example.net'], nexthop: `[127.0.0.1]:${port}` }), agent.ctx, agent.state);
    assert.equal(out.results[0]?.status, 'sent');
    assert.equal(srv.messages[0]?.tls, true);
    assert.deepEqual(srv.commands.filter((c) => /^(EHLO|STARTTLS)/.test(c)).map((c) => c.split(' ')[0]), ['EHLO', 'STARTTLS', 'EHLO']);
    assert.ok(agent.logLines().some((l) => /^Untrusted TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]:\d+: TLSv1\.[23] with cipher /.test(l)));
  } finally {
    agent.cleanup();
    await srv.stop();
  }
});

test('smtp client: STARTTLS is not used at the default level', async () => {
  const agent = testAgent({ inet_protocols: 'ipv4' });
  const srv = new FakeServer({ tls: selfSignedCert(agent.dir) });
  const port = await srv.start();
  try {
    const out = await deliverRequest(await agent.request({ rcpts: ['u@example.net'], nexthop: `[127.0.0.1]:${port}` }), agent.ctx, agent.state);
    assert.equal(out.results[0]?.status, 'sent');
    assert.equal(srv.messages[0]?.tls, false);
  } finally {
    agent.cleanup();
    await srv.stop();
  }
});

test('smtp client: a cached connection is reused with RSET, and a dead one replaced', async () => {
  const srv = new FakeServer();
  const port = await srv.start();
  const agent = testAgent({ inet_protocols: 'ipv4', smtp_connection_cache_time_limit: '5s' });
  try {
    const nexthop = `[127.0.0.1]:${port}`;
    for (let i = 0; i < 2; i++) {
      const out = await deliverRequest(await agent.request({ rcpts: [`u${i}@example.net`], nexthop }), agent.ctx, agent.state);
      assert.equal(out.results[0]?.status, 'sent');
    }
    assert.equal(srv.connections, 1);
    assert.deepEqual(srv.commands.filter((c) => /^(EHLO|RSET|MAIL)/.test(c)).map((c) => c.split(' ')[0]), ['EHLO', 'MAIL', 'RSET', 'MAIL']);
    assert.equal(agent.state.cache.size, 1);
    srv.hangUp();
    await new Promise((r) => setTimeout(r, 50));
    const out = await deliverRequest(await agent.request({ rcpts: ['u2@example.net'], nexthop }), agent.ctx, agent.state);
    assert.equal(out.results[0]?.status, 'sent');
    assert.equal(srv.connections, 2);
  } finally {
    agent.cleanup();
    await srv.stop();
  }
});

test('smtp client: connection refused defers with relay=none', async () => {
  const srv = new FakeServer();
  const port = await srv.start();
  await srv.stop();
  const agent = testAgent({ inet_protocols: 'ipv4' });
  try {
    const out = await deliverRequest(await agent.request({ rcpts: ['u@example.net'], nexthop: `[127.0.0.1]:${port}` }), agent.ctx, agent.state);
    assert.deepEqual(
      { status: out.results[0]?.status, dsn: out.results[0]?.dsn, reason: out.results[0]?.reason, relay: out.results[0]?.relay, failed: out.destinationFailed },
      { status: 'deferred', dsn: '4.4.1', reason: `connect to 127.0.0.1[127.0.0.1]:${port}: Connection refused`, relay: 'none', failed: true },
    );
  } finally {
    agent.cleanup();
  }
});
