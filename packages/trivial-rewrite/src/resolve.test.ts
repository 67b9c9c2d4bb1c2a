/* resolve: address classes, transports and next hops over ADDRESS_CLASS_README-style configurations. */
import { test } from 'node:test';
import { RESOLVE_FLAG } from '@mailroom/global';
import { checkResolve, engineFor, type ResolveCase } from './testing.js';

const { ROUTED, ERROR } = RESOLVE_FLAG;
const LOCAL = { class: 'local', transport: 'local', nexthop: 'mail.example.com' } as const;
const SMTP = (nexthop: string) => ({ class: 'default', transport: 'smtp', nexthop }) as const;
const BAD = { class: 'default', transport: 'error', nexthop: '5.1.3 bad address syntax', flags: ERROR } as const;

const CONFIGS: { name: string; over: Record<string, string>; rows: ResolveCase[] }[] = [
  {
    name: 'local and default classes (mydestination, inet_interfaces)',
    over: {},
    rows: [
      ['user@example.com', { ...LOCAL, recipient: 'user@example.com' }],
      ['user', { ...LOCAL, recipient: 'user@mail.example.com' }],
      ['User@EXAMPLE.COM', { ...LOCAL, recipient: 'User@EXAMPLE.COM' }],
      ['user@example.com.', { ...LOCAL, recipient: 'user@example.com' }],
      ['postmaster@localhost', { ...LOCAL, recipient: 'postmaster@localhost' }],
      ['', { ...LOCAL, recipient: 'MAILER-DAEMON@mail.example.com' }],
      ['@example.com', { ...LOCAL, recipient: 'MAILER-DAEMON@example.com' }],
      ['user@remote.example', { ...SMTP('remote.example'), recipient: 'user@remote.example' }],
      ['user@Remote.Example.', { ...SMTP('Remote.Example'), recipient: 'user@Remote.Example' }],
      // Routing through a local domain is taken apart; through a remote one it is flagged.
      ['user%remote.example@example.com', { ...SMTP('remote.example'), recipient: 'user@remote.example' }],
      ['remote.example!user@example.com', { ...SMTP('remote.example'), recipient: 'user@remote.example' }],
      ['remote.example!user', { ...SMTP('remote.example'), recipient: 'user@remote.example' }],
      ['user@remote.example@example.com', { ...SMTP('remote.example'), recipient: 'user@remote.example' }],
      ['user%other@mail.example.com', { ...SMTP('other'), recipient: 'user@other' }],
      ['user%example.com@localhost', { ...LOCAL, recipient: 'user@example.com' }],
      ['user%remote.example@other.example', { ...SMTP('other.example'), recipient: 'user%remote.example@other.example', flags: ROUTED }],
      ['a!user@other.example', { ...SMTP('other.example'), recipient: 'a!user@other.example', flags: ROUTED }],
      ['user@[127.0.0.1]', { ...LOCAL, recipient: 'user@[127.0.0.1]' }],
      ['user@[IPv6:::1]', { ...LOCAL, recipient: 'user@[IPv6:::1]' }],
      ['user@[IPv6:0:0:0:0:0:0:0:1]', { ...LOCAL }],
      ['user@[192.0.2.1]', { ...SMTP('[192.0.2.1]'), recipient: 'user@[192.0.2.1]' }],
      // Syntax errors: the caller rejects (smtpd 501) or bounces.
      ['user@192.0.2.1', { ...BAD, recipient: 'user@192.0.2.1' }],
      ['user@[192.0.2.300]', BAD],
      ['user@', { ...BAD, recipient: 'user@' }],
      ['user@-bad.example', BAD],
      ['user@bad..example', BAD],
      ['-user@example.com', { ...LOCAL, ...BAD, class: 'local' }],
    ],
  },
  {
    name: 'resolve_null_domain, resolve_numeric_domain, allow_min_user',
    over: { resolve_null_domain: 'yes', resolve_numeric_domain: 'yes', allow_min_user: 'yes' },
    rows: [
      ['user@', { ...LOCAL, recipient: 'user@mail.example.com' }],
      ['user@192.0.2.1', { ...SMTP('[192.0.2.1]'), recipient: 'user@[192.0.2.1]' }],
      ['user@127.0.0.1', { ...LOCAL, recipient: 'user@[127.0.0.1]' }],
      ['-user@example.com', { ...LOCAL, recipient: '-user@example.com' }],
    ],
  },
  {
    name: 'no percent hack, no bang paths, quoted local parts left closed',
    over: { allow_percent_hack: 'no', swap_bangpath: 'no', resolve_dequoted_address: 'no' },
    rows: [
      ['user%remote.example@example.com', { ...LOCAL, recipient: 'user%remote.example@example.com', flags: ROUTED }],
      ['remote.example!user@example.com', { ...LOCAL, recipient: 'remote.example!user@example.com', flags: ROUTED }],
      ['user@remote.example@example.com', { ...LOCAL, recipient: 'user@remote.example@example.com', flags: ROUTED }],
    ],
  },
  {
    name: 'relay_domains and relayhost',
    over: { relay_domains: 'relay.example, .sub.relay2.example', relayhost: '[gw.example.net]:587' },
    rows: [
      ['u@relay.example', { class: 'relay', transport: 'relay', nexthop: '[gw.example.net]:587', recipient: 'u@relay.example' }],
      ['u@a.b.relay.example', { class: 'relay', transport: 'relay', nexthop: '[gw.example.net]:587' }],
      ['u@x.sub.relay2.example', { class: 'relay', transport: 'relay' }],
      ['u@sub.relay2.example', { class: 'default', transport: 'smtp' }],
      ['u@other.example', SMTP('[gw.example.net]:587')],
      ['u@example.com', LOCAL],
    ],
  },
  {
    name: 'relay_domains without parent_domain_matches_subdomains; relay_transport with a next hop',
    over: { relay_domains: 'relay.example', parent_domain_matches_subdomains: 'smtpd_access_maps', relay_transport: 'relay:[relay-gw.example]' },
    rows: [
      ['u@relay.example', { class: 'relay', transport: 'relay', nexthop: '[relay-gw.example]' }],
      ['u@a.relay.example', SMTP('a.relay.example')],
    ],
  },
  {
    name: 'virtual alias and virtual mailbox domains',
    over: {
      virtual_alias_domains: 'alias.example',
      virtual_mailbox_domains: 'vmail.example, inline:{ vmail2.example=x }',
      virtual_transport: 'lmtp:unix:/var/run/dovecot/lmtp',
      local_transport: 'local',
    },
    rows: [
      ['u@alias.example', { class: 'alias', transport: 'error', nexthop: 'User unknown in virtual alias table', recipient: 'u@alias.example' }],
      ['u@sub.alias.example', SMTP('sub.alias.example')],
      ['u@vmail.example', { class: 'virtual', transport: 'lmtp', nexthop: 'unix:/var/run/dovecot/lmtp' }],
      ['u@VMail2.Example', { class: 'virtual', transport: 'lmtp', recipient: 'u@VMail2.Example' }],
      ['u@example.com', { class: 'local', transport: 'local', nexthop: 'example.com' }],
    ],
  },
  {
    name: 'virtual_alias_domains from virtual_alias_maps, show_user_unknown_table_name = no',
    over: { virtual_alias_domains: 'inline:{ alias.example=anything, u@alias.example=x }', show_user_unknown_table_name: 'no' },
    rows: [['u@alias.example', { class: 'alias', transport: 'error', nexthop: 'User unknown' }]],
  },
  {
    name: 'mydestination with a table and a negation; proxy_interfaces',
    over: { mydestination: '!skip.example, inline:{ skip.example=1, listed.example=1 }', proxy_interfaces: '198.51.100.7' },
    rows: [
      ['u@listed.example', { class: 'local', recipient: 'u@listed.example' }],
      ['u@skip.example', SMTP('skip.example')],
      ['u@example.com', SMTP('example.com')],
      ['u@[198.51.100.7]', { class: 'local' }],
    ],
  },
  {
    name: 'default_transport with a next hop',
    over: { default_transport: 'smtp:[smarthost.example]', relayhost: '[ignored.example]' },
    rows: [['u@remote.example', SMTP('[smarthost.example]')]],
  },
];

for (const c of CONFIGS) {
  test(`resolve: ${c.name}`, async () => {
    const engine = await engineFor(c.over);
    try {
      await checkResolve(engine, c.rows, c.name);
    } finally {
      engine.close();
    }
  });
}
