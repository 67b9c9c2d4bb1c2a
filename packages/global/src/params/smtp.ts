/*
 * params/smtp - parameters of smtp and lmtp, the SMTP/LMTP client (packages/smtp), and
 * dns_servers (the DNS resolver in global/dns). As in Postfix, the LMTP client reads
 * `lmtp_` twins of the `smtp_` parameters; most share a default, a few differ
 * (lmtp_connect_timeout 0s, lmtp_lhlo_name, lmtp_tcp_port).
 */
import { param, type ParamSpec } from './types.js';

type Kind = ParamSpec['kind'];

/** both - one smtp_ and one lmtp_ parameter with the same default and meaning. */
function both(suffix: string, kind: Kind, dflt: string, description: string): ParamSpec[] {
  const extra = kind === 'time' ? { unit: 's' as const, min: 0 } : kind === 'int' ? { min: 0 } : {};
  return ['smtp', 'lmtp'].map((p) => param(`${p}_${suffix}`, kind, dflt, description.replace(/SMTP\b/g, p.toUpperCase()), extra));
}

export const smtpParams: readonly ParamSpec[] = [
  param('dns_servers', 'list', '',
    'DNS servers (address or address:port, [ipv6]:port) for MX/A/AAAA lookups; empty: the nameservers of /etc/resolv.conf.'),
  param('smtp_connect_timeout', 'time', '30s', 'Time limit for completing a TCP connection to an SMTP server (0: the system\'s limit).', { unit: 's', min: 0 }),
  param('lmtp_connect_timeout', 'time', '0s', 'Time limit for completing a connection to an LMTP server (0: the system\'s limit).', { unit: 's', min: 0 }),
  param('smtp_helo_timeout', 'time', '300s', 'Time limit for sending HELO/EHLO and receiving the greeting and the HELO/EHLO reply.', { unit: 's', min: 1 }),
  param('lmtp_lhlo_timeout', 'time', '300s', 'Time limit for sending LHLO and receiving the greeting and the LHLO reply.', { unit: 's', min: 1 }),
  param('smtp_helo_name', 'string', '$myhostname', 'Host name sent in the SMTP EHLO or HELO command.'),
  param('lmtp_lhlo_name', 'string', '$myhostname', 'Host name sent in the LMTP LHLO command.'),
  param('lmtp_tcp_port', 'string', '24', 'TCP port of LMTP servers when the next hop names none.'),
  ...both('mail_timeout', 'time', '300s', 'Time limit for sending MAIL FROM and receiving the SMTP server\'s reply.'),
  ...both('rcpt_timeout', 'time', '300s', 'Time limit for sending RCPT TO and receiving the SMTP server\'s reply.'),
  ...both('data_init_timeout', 'time', '120s', 'Time limit for sending DATA and receiving the SMTP server\'s 354 reply.'),
  ...both('data_xfer_timeout', 'time', '180s', 'Time limit for sending a piece of the message content (the server must keep reading).'),
  ...both('data_done_timeout', 'time', '600s', 'Time limit for sending the final "." and receiving the SMTP server\'s reply(ies).'),
  ...both('rset_timeout', 'time', '20s', 'Time limit for sending RSET (before a cached connection is reused) and receiving the reply.'),
  ...both('starttls_timeout', 'time', '300s', 'Time limit for the STARTTLS command and the TLS handshake.'),
  ...both('mx_address_limit', 'int', '5', 'Maximal number of MX (or host) IP addresses tried per delivery (0: no limit).'),
  ...both('mx_session_limit', 'int', '2', 'Maximal number of SMTP sessions per delivery, before giving up or falling back (0: no limit).'),
  ...both('skip_5xx_greeting', 'bool', 'yes', 'Try the next server when one greets with 5XX (no: bounce the mail at once).'),
  ...both('dns_support_level', 'string', '', 'DNS use: disabled (host lookups through the system resolver, no MX), enabled or dnssec (empty: enabled).'),
  ...both('host_lookup', 'list', 'dns', 'How to find server addresses: dns, native (the system resolver and /etc/hosts), or both in order.'),
  ...both('address_preference', 'string', 'any', 'Address family tried first when a host has IPv4 and IPv6 addresses: ipv4, ipv6 or any.'),
  ...both('connection_cache_on_demand', 'bool', 'yes', 'Keep a connection open after a delivery, for the next message to the same destination.'),
  ...both('connection_cache_destinations', 'list', '', 'Destinations whose connections are always cached.'),
  ...both('connection_cache_time_limit', 'time', '2s', 'Time an idle cached connection is kept open.'),
  ...both('connection_reuse_count_limit', 'int', '0', 'Number of times a connection is reused before it is closed (0: no limit).'),
  ...both('connection_reuse_time_limit', 'time', '300s', 'Time after which a connection is no longer reused.'),
  ...both('tls_security_level', 'string', '', 'TLS towards servers: none, or may (STARTTLS when offered, unauthenticated; empty: none).'),
];
