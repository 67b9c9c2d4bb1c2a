import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTable, type DnsResult, type MxRecord } from '@mailroom/global';
import { formatReply, reply } from '../replies.js';
import { fakeResolve } from '../testing.js';
import { Restrictions, type SmtpdLists } from './checks.js';
import type { CheckRequest, CheckServices, ClientFacts, DnsLookup, RestrictionSettings } from './context.js';
import { parseRestrictions } from './list.js';

const SETTINGS: RestrictionSettings = {
  accessMapRejectCode: 554,
  accessMapDeferCode: 450,
  rejectCode: 554,
  deferCode: 450,
  relayDomainsRejectCode: 554,
  unknownAddressRejectCode: 450,
  unknownHostnameRejectCode: 450,
  unknownClientRejectCode: 450,
  mapsRblRejectCode: 554,
  invalidHostnameRejectCode: 501,
  nonFqdnRejectCode: 504,
  rejectTempfailAction: 'defer_if_permit',
  unknownAddressTempfailAction: 'defer_if_permit',
  defaultRblReply: '$rbl_code Service unavailable; $rbl_class [$rbl_what] blocked using $rbl_domain${rbl_reason?; $rbl_reason}',
  nullAccessLookupKey: '<>',
  recipientDelimiter: '+',
  accessParentMatches: true,
};

type Zone = Record<string, { MX?: string[]; A?: string[]; TXT?: string[] } | 'tempfail'>;

/** fakeDns - answers from a small table (a name absent from it does not exist). */
function fakeDns(zone: Zone): DnsLookup {
  const get = <T>(name: string, pick: (e: Exclude<Zone[string], 'tempfail'>) => T[] | undefined): DnsResult<T> => {
    const e = zone[name.toLowerCase()];
    if (e === 'tempfail') return { status: 'tempfail', records: [] };
    if (!e) return { status: 'nxdomain', records: [] };
    const r = pick(e) ?? [];
    return { status: r.length > 0 ? 'ok' : 'nodata', records: r };
  };
  return {
    mx: async (n) => get<MxRecord>(n, (e) => e.MX?.map((x) => ({ exchange: x, preference: 10 }))),
    addresses: async (n, family) => get<string>(n, (e) => (family === 4 ? e.A : [])),
    txt: async (n) => get<string>(n, (e) => e.TXT),
    ptr: async () => ({ status: 'nxdomain', records: [] }),
  };
}

const ZONE: Zone = {
  'remote.example': { MX: ['mx.remote.example'] },
  'a-only.example': { A: ['192.0.2.9'] },
  'nullmx.example': { MX: [''] },
  'broken.example': 'tempfail',
  'good.helo.example': { A: ['192.0.2.1'] },
  '7.2.0.192.rbl.example': { A: ['127.0.0.2'], TXT: ['listed for spam'] },
  '8.2.0.192.rbl.example': { A: ['127.0.0.10'] },
};

const warnings: string[] = [];

const SERVICES: CheckServices = {
  settings: SETTINGS,
  inMynetworks: async (c) => c.addr.startsWith('10.'),
  table: (spec) => openTable(spec),
  resolve: fakeResolve({ 'example.com': 'local', 'relay.example': 'relay', 'virtual.example': 'virtual' }),
  dns: fakeDns(ZONE),
  checkRecipient: async (a) =>
    a.startsWith('nobody@') ? reply(550, '5.1.1', `<${a}>: Recipient address rejected: User unknown in local recipient table`) : undefined,
  checkSender: async (a) => (a.startsWith('nobody@') ? reply(550, '5.1.0', `<${a}>: Sender address rejected: User unknown in local recipient table`) : undefined),
  senderLoginOwners: async (a) => (a === 'alice@example.com' ? ['alice'] : undefined),
  warn: (m) => warnings.push(m),
};

const client = (addr: string, name = 'unknown'): ClientFacts => ({ name, reverseName: name, addr, port: 1025, nameStatus: name === 'unknown' ? 'notfound' : 'ok', reverseStatus: name === 'unknown' ? 'notfound' : 'ok' });

function lists(l: Partial<Record<'client' | 'helo' | 'sender' | 'relay' | 'recipient' | 'data', string>>, delayReject = true): SmtpdLists {
  const p = (v: string | undefined) => parseRestrictions(v ?? '');
  return {
    client: p(l.client),
    helo: p(l.helo),
    sender: p(l.sender),
    relay: p(l.relay ?? 'permit_mynetworks, reject_unauth_destination'),
    recipient: p(l.recipient),
    data: p(l.data),
    endOfData: p(''),
    delayReject,
    rejectUnlistedSender: false,
    rejectUnlistedRecipient: true,
  };
}

const BASE: CheckRequest = { client: client('192.0.2.7'), helo: 'good.helo.example', sender: 'a@remote.example', recipient: 'alice@example.com' };

// [what, lists, request changes, expected RCPT result ('ok' or the reply)]
type Case = [string, Parameters<typeof lists>[0], Partial<CheckRequest>, string];
const CASES: Case[] = [
  ['local recipient passes', {}, {}, 'ok'],
  ['relay denied', {}, { recipient: 'x@elsewhere.example' }, '554 5.7.1 <x@elsewhere.example>: Relay access denied'],
  ['relay from mynetworks', {}, { client: client('10.1.2.3'), recipient: 'x@elsewhere.example' }, 'ok'],
  ['relay to relay_domains', {}, { recipient: 'x@relay.example' }, 'ok'],
  ['source-routed address is not relayed', {}, { recipient: 'x%elsewhere.example@example.com' }, '554 5.7.1 <x%elsewhere.example@example.com>: Relay access denied'],
  ['defer_unauth_destination', { relay: 'permit_mynetworks, defer_unauth_destination' }, { recipient: 'x@elsewhere.example' }, '450 4.7.1 <x@elsewhere.example>: Relay access denied'],
  ['permit_auth_destination then reject', { relay: 'permit_auth_destination, reject' }, { recipient: 'x@elsewhere.example' }, '554 5.7.1 <x@elsewhere.example>: Recipient address rejected: Access denied'],
  ['unknown local user', {}, { recipient: 'nobody@example.com' }, '550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table'],
  ['unknown user even from mynetworks', {}, { client: client('10.0.0.1'), recipient: 'nobody@example.com' }, '550 5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table'],
  ['reject_unlisted_sender', { sender: 'reject_unlisted_sender' }, { sender: 'nobody@example.com' }, '550 5.1.0 <nobody@example.com>: Sender address rejected: User unknown in local recipient table'],
  ['permit in client list does not skip relay control', { client: 'permit' }, { recipient: 'x@elsewhere.example' }, '554 5.7.1 <x@elsewhere.example>: Relay access denied'],
  ['reject', { client: 'reject' }, {}, '554 5.7.1 <unknown[192.0.2.7]>: Client host rejected: Access denied'],
  ['defer', { sender: 'defer' }, {}, '450 4.7.1 <a@remote.example>: Sender address rejected: Try again later'],
  ['defer_if_permit then pass', { recipient: 'defer_if_permit' }, {}, '450 4.7.1 <alice@example.com>: Recipient address rejected: Try again later'],
  ['defer_if_reject then reject', { recipient: 'defer_if_reject, reject' }, {}, '450 4.7.1 <alice@example.com>: Recipient address rejected: Try again later'],
  ['warn_if_reject only warns', { recipient: 'warn_if_reject, reject' }, {}, 'ok'],
  ['reject_non_fqdn_helo_hostname', { helo: 'reject_non_fqdn_helo_hostname' }, { helo: 'localhost' }, '504 5.5.2 <localhost>: Helo command rejected: need fully-qualified hostname'],
  ['reject_non_fqdn_helo_hostname: address literal is fine', { helo: 'reject_non_fqdn_helo_hostname' }, { helo: '[192.0.2.7]' }, 'ok'],
  ['reject_invalid_helo_hostname', { helo: 'reject_invalid_helo_hostname' }, { helo: 'bad..name' }, '501 5.5.2 <bad..name>: Helo command rejected: Invalid name'],
  ['reject_invalid_helo_hostname: numeric', { helo: 'reject_invalid_helo_hostname' }, { helo: '192.0.2.7' }, '501 5.5.2 <192.0.2.7>: Helo command rejected: Invalid name'],
  ['reject_unknown_helo_hostname', { helo: 'reject_unknown_helo_hostname' }, { helo: 'nx.helo.example' }, '450 4.7.1 <nx.helo.example>: Helo command rejected: Host not found'],
  ['reject_unknown_helo_hostname: known', { helo: 'reject_unknown_helo_hostname' }, {}, 'ok'],
  ['reject_non_fqdn_sender', { sender: 'reject_non_fqdn_sender' }, { sender: 'a@localhost' }, '504 5.5.2 <a@localhost>: Sender address rejected: need fully-qualified address'],
  ['reject_non_fqdn_sender: null sender', { sender: 'reject_non_fqdn_sender' }, { sender: '' }, 'ok'],
  ['reject_non_fqdn_recipient', { recipient: 'reject_non_fqdn_recipient' }, { recipient: 'bob@host', client: client('10.0.0.1') }, '504 5.5.2 <bob@host>: Recipient address rejected: need fully-qualified address'],
  ['reject_unknown_sender_domain: no such domain', { sender: 'reject_unknown_sender_domain' }, { sender: 'a@nx.example' }, '450 4.1.8 <a@nx.example>: Sender address rejected: Domain not found'],
  ['reject_unknown_sender_domain: A record only', { sender: 'reject_unknown_sender_domain' }, { sender: 'a@a-only.example' }, 'ok'],
  ['reject_unknown_sender_domain: our own domain', { sender: 'reject_unknown_sender_domain' }, { sender: 'alice@example.com' }, 'ok'],
  ['reject_unknown_sender_domain: null MX', { sender: 'reject_unknown_sender_domain' }, { sender: 'a@nullmx.example' }, '556 5.7.27 <a@nullmx.example>: Sender address rejected: Domain nullmx.example does not accept mail (nullMX)'],
  ['reject_unknown_sender_domain: DNS failure defers if permitted', { sender: 'reject_unknown_sender_domain' }, { sender: 'a@broken.example' }, '450 4.1.8 <a@broken.example>: Sender address rejected: Domain not found'],
  ['reject_unknown_recipient_domain', { recipient: 'reject_unknown_recipient_domain' }, { client: client('10.0.0.1'), recipient: 'x@nx.example' }, '450 4.1.2 <x@nx.example>: Recipient address rejected: Domain not found'],
  ['permit_sasl_authenticated: logged in may relay', { relay: 'permit_sasl_authenticated, reject_unauth_destination' }, { saslUser: 'bob', recipient: 'x@elsewhere.example' }, 'ok'],
  ['permit_sasl_authenticated: not logged in', { relay: 'permit_sasl_authenticated, reject_unauth_destination' }, { recipient: 'x@elsewhere.example' }, '554 5.7.1 <x@elsewhere.example>: Relay access denied'],
  ['reject_sender_login_mismatch: owner', { sender: 'reject_sender_login_mismatch' }, { saslUser: 'alice', sender: 'alice@example.com' }, 'ok'],
  ['reject_sender_login_mismatch: not the owner', { sender: 'reject_sender_login_mismatch' }, { saslUser: 'bob', sender: 'alice@example.com' }, '553 5.7.1 <alice@example.com>: Sender address rejected: not owned by user bob'],
  ['reject_sender_login_mismatch: unlisted address, logged in', { sender: 'reject_sender_login_mismatch' }, { saslUser: 'bob' }, '553 5.7.1 <a@remote.example>: Sender address rejected: not owned by user bob'],
  ['reject_sender_login_mismatch: owned address, not logged in', { sender: 'reject_sender_login_mismatch' }, { sender: 'alice@example.com' }, '553 5.7.1 <alice@example.com>: Sender address rejected: not logged in'],
  ['reject_sender_login_mismatch: unlisted address, not logged in', { sender: 'reject_sender_login_mismatch' }, {}, 'ok'],
  ['reject_known_sender_login_mismatch: unlisted address, logged in', { sender: 'reject_known_sender_login_mismatch' }, { saslUser: 'bob' }, 'ok'],
  ['reject_authenticated_sender_login_mismatch: not logged in', { sender: 'reject_authenticated_sender_login_mismatch' }, { sender: 'alice@example.com' }, 'ok'],
  ['reject_unauthenticated_sender_login_mismatch: logged in, not the owner', { sender: 'reject_unauthenticated_sender_login_mismatch' }, { saslUser: 'bob', sender: 'alice@example.com' }, 'ok'],
  ['reject_rbl_client: listed', { client: 'reject_rbl_client rbl.example' }, {}, '554 5.7.1 Service unavailable; Client host [192.0.2.7] blocked using rbl.example; listed for spam'],
  ['reject_rbl_client: not listed', { client: 'reject_rbl_client rbl.example' }, { client: client('192.0.2.99') }, 'ok'],
  ['reject_rbl_client: filter matches', { client: 'reject_rbl_client rbl.example=127.0.0.[2..11]' }, { client: client('192.0.2.8') }, '554 5.7.1 Service unavailable; Client host [192.0.2.8] blocked using rbl.example'],
  ['reject_rbl_client: filter does not match', { client: 'reject_rbl_client rbl.example=127.0.0.2' }, { client: client('192.0.2.8') }, 'ok'],
  ['reject_unknown_client_hostname', { client: 'reject_unknown_client_hostname' }, {}, '450 4.7.1 Client host rejected: cannot find your hostname, [192.0.2.7]'],
  ['permit_sasl_authenticated never matches without SASL', { relay: 'permit_sasl_authenticated, reject_unauth_destination' }, { recipient: 'x@elsewhere.example' }, '554 5.7.1 <x@elsewhere.example>: Relay access denied'],
  ['check_client_access by address', { client: 'check_client_access inline:{ {192.0.2=REJECT go away} }' }, {}, '554 5.7.1 <unknown[192.0.2.7]>: Client host rejected: go away'],
  ['check_client_access by name and parent', { client: 'check_client_access inline:{ {spammer.example=550 5.7.2 no thanks} }' }, { client: client('192.0.2.7', 'mail.spammer.example') }, '550 5.7.2 <mail.spammer.example[192.0.2.7]>: Client host rejected: no thanks'],
  ['check_client_access OK permits relaying', { relay: 'check_client_access inline:{ 192.0.2.7=OK }, reject_unauth_destination' }, { recipient: 'x@elsewhere.example' }, 'ok'],
  ['check_client_access numeric OK', { relay: 'check_client_access inline:{ 192.0.2.7=1700000000 }, reject_unauth_destination' }, { recipient: 'x@elsewhere.example' }, 'ok'],
  ['check_helo_access', { helo: 'check_helo_access inline:{ {helo.example=DEFER try later} }' }, {}, '450 4.7.1 <good.helo.example>: Helo command rejected: try later'],
  ['check_sender_access by domain', { sender: 'check_sender_access inline:{ remote.example=REJECT }' }, {}, '554 5.7.1 <a@remote.example>: Sender address rejected: Access denied'],
  ['check_sender_access null sender', { sender: 'check_sender_access inline:{ {<>=550 no bounces here} }' }, { sender: '' }, '550 5.7.1 <>: Sender address rejected: no bounces here'],
  ['check_sender_access user@ key', { sender: 'check_sender_access inline:{ a@=REJECT }' }, {}, '554 5.7.1 <a@remote.example>: Sender address rejected: Access denied'],
  ['check_recipient_access with extension', { recipient: 'check_recipient_access inline:{ {alice@example.com=REJECT full} }' }, { recipient: 'alice+tag@example.com' }, '554 5.7.1 <alice+tag@example.com>: Recipient address rejected: full'],
  ['check_recipient_access DUNNO goes on', { recipient: 'check_recipient_access inline:{ alice@example.com=DUNNO }, reject' }, {}, '554 5.7.1 <alice@example.com>: Recipient address rejected: Access denied'],
  ['access table returns a restriction list', { recipient: 'check_recipient_access inline:{ example.com=reject_non_fqdn_sender }' }, { sender: 'a@b' }, '504 5.5.2 <a@b>: Sender address rejected: need fully-qualified address'],
  ['access table DEFER_IF_PERMIT', { recipient: 'check_recipient_access inline:{ {alice@example.com=DEFER_IF_PERMIT busy} }' }, {}, '450 4.7.1 <alice@example.com>: Recipient address rejected: busy'],
  ['access table HOLD continues', { recipient: 'check_recipient_access inline:{ alice@example.com=HOLD }' }, {}, 'ok'],
  ['a table that fails', { recipient: 'check_recipient_access fail:broken' }, {}, '451 4.3.0 <alice@example.com>: Temporary lookup failure'],
  ['a table that cannot be opened', { recipient: 'check_recipient_access hash:/nonexistent/table' }, {}, '451 4.3.5 Server configuration error'],
  ['an unknown restriction', { recipient: 'reject_everything_please' }, {}, '451 4.3.5 Server configuration error'],
];

test('RCPT-time restrictions, table-driven', async () => {
  for (const [what, l, change, want] of CASES) {
    const r = await new Restrictions(lists(l), SERVICES).recipient({ ...BASE, ...change });
    assert.equal(r.reply ? formatReply(r.reply) : 'ok', want, what);
  }
});

test('warn_if_reject and HOLD leave notes for the log', async () => {
  const r = await new Restrictions(lists({ recipient: 'warn_if_reject, reject, check_recipient_access inline:{ {alice@example.com=HOLD quarantine} }' }), SERVICES).recipient(BASE);
  assert.equal(r.reply, undefined);
  assert.deepEqual(r.state.notes, [
    { action: 'reject_warning', text: '554 5.7.1 <alice@example.com>: Recipient address rejected: Access denied' },
    { action: 'hold', text: '<alice@example.com>: Recipient address quarantine' },
  ]);
});

test('with smtpd_delay_reject = no, client, HELO and sender lists run at their own commands', async () => {
  const r = new Restrictions(lists({ client: 'reject', helo: 'reject', sender: 'reject' }, false), SERVICES);
  assert.equal(formatReply((await r.client(BASE)).reply ?? reply(250, '2.0.0', 'x')), '554 5.7.1 <unknown[192.0.2.7]>: Client host rejected: Access denied');
  assert.equal(formatReply((await r.helo(BASE)).reply ?? reply(250, '2.0.0', 'x')), '554 5.7.1 <good.helo.example>: Helo command rejected: Access denied');
  assert.equal(formatReply((await r.sender(BASE)).reply ?? reply(250, '2.0.0', 'x')), '554 5.7.1 <a@remote.example>: Sender address rejected: Access denied');
  assert.equal((await r.recipient(BASE)).reply, undefined, 'not evaluated again at RCPT');
});

test('DATA restrictions', async () => {
  const r = await new Restrictions(lists({ data: 'reject' }), SERVICES).data(BASE);
  assert.equal(r.reply && formatReply(r.reply), '554 5.7.1 <DATA>: Data command rejected: Access denied');
  const c = await new Restrictions(lists({ data: 'check_client_access inline:{ {192.0.2.7=REJECT no data} }' }), SERVICES).data(BASE);
  assert.equal(c.reply && formatReply(c.reply), '554 5.7.1 <unknown[192.0.2.7]>: Client host rejected: no data', 'a client check names the client');
});
