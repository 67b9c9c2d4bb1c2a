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
  ...both('tls_security_level', 'string', '', 'Default TLS security level towards servers: none, may, encrypt, fingerprint, verify, secure, dane (as may: no DNSSEC); empty: none.'),
  ...both('tls_policy_maps', 'list', '', 'Per-destination TLS policy tables: key [host]:port, [host], domain:port, domain or .parent; value level and attributes (match=, protocols=, servername=, connection_reuse=).'),
  ...both('tls_CAfile', 'string', '', 'PEM file of CA certificates trusted to sign server certificates (no system CAs are trusted, as Postfix).'),
  ...both('tls_CApath', 'string', '', 'Directory of PEM CA certificates trusted to sign server certificates.'),
  ...both('tls_cert_file', 'string', '', 'PEM file with the client certificate (and chain) offered to servers that ask for one.'),
  ...both('tls_key_file', 'string', '', 'PEM file with the private key of the client certificate (empty: the certificate file).'),
  ...both('tls_verify_cert_match', 'list', 'hostname', 'Names a server certificate must match at the verify level: hostname, nexthop, dot-nexthop, names, .domains.'),
  ...both('tls_secure_cert_match', 'list', 'nexthop, dot-nexthop', 'Names a server certificate must match at the secure level.'),
  ...both('tls_fingerprint_cert_match', 'list', '', 'Certificate or public-key fingerprints accepted at the fingerprint level.'),
  ...both('tls_fingerprint_digest', 'string', 'sha256', 'Digest of fingerprints at the fingerprint level: sha256, sha1 or md5.'),
  ...both('tls_protocols', 'list', '>=TLSv1.2', 'TLS versions at the may level: >=TLSv1.2, <=TLSv1.3, TLSv1.2 TLSv1.3, or !TLSv1, !TLSv1.1 (Postfix: >=TLSv1).'),
  ...both('tls_mandatory_protocols', 'list', '>=TLSv1.2', 'TLS versions at the encrypt level and above (Postfix: >=TLSv1).'),
  ...both('tls_servername', 'string', '', 'SNI sent in the TLS handshake: empty (none), hostname (the server\'s name), nexthop, or a literal name.'),
  ...both('tls_loglevel', 'int', '0', 'TLS logging: 0 none, 1 the summary line and verification failures, 2 also the server certificate.'),
  ...both('tls_note_starttls_offer', 'bool', 'no', 'Log "Host offered STARTTLS" when a server offers STARTTLS that is not used.'),
  ...both('tls_connection_reuse', 'bool', 'no', 'Keep TLS connections in the connection cache (Postfix: through tlsproxy; here in the process).'),
  ...both('sasl_auth_enable', 'bool', 'no', 'Authenticate to servers that offer AUTH and have credentials in the password maps.'),
  ...both('sasl_password_maps', 'list', '', 'Tables of user:password by server host name, then next-hop destination ([host]:port, domain).'),
  ...both('sasl_mechanism_filter', 'list', '', 'Mechanisms of those a server offers that may be used (empty: all of ours: CRAM-MD5, PLAIN, LOGIN).'),
  ...both('sasl_auth_soft_bounce', 'bool', 'yes', 'Treat a 5XX reply to AUTH as 4XX: the mail stays queued.'),
  ...['smtp', 'lmtp'].flatMap((p) => [
    param(`${p}_sasl_security_options`, 'list', 'noplaintext, noanonymous',
      'SASL mechanism restrictions without TLS: noplaintext (no PLAIN, LOGIN), noanonymous, nodictionary, noactive.'),
    param(`${p}_sasl_tls_security_options`, 'list', `$${p}_sasl_security_options`, 'SASL mechanism restrictions over TLS.'),
    param(`${p}_sasl_tls_verified_security_options`, 'list', `$${p}_sasl_tls_security_options`,
      'SASL mechanism restrictions over TLS with a verified server certificate.'),
  ]),
];
