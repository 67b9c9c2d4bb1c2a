/*
 * params/base - parameters of the foundation: identity, addresses, spool layout,
 * lookup tables, aliases and logging. Read by every daemon and command.
 */
import { defaultDomain, defaultHostname, defaultNetworks } from './host.js';
import { param, type ParamSpec } from './types.js';

export const baseParams: readonly ParamSpec[] = [
  param('compatibility_level', 'string', '3.6', 'Backwards-compatibility safety net level, as in Postfix.'),
  param('config_directory', 'string', '/etc/postfix', 'Directory with main.cf and master.cf (set from -c or MAIL_CONFIG).'),
  param('queue_directory', 'string', '/var/spool/postfix', 'Root of the mail queue (the spool).'),
  param('mail_owner', 'string', 'postfix', 'Unprivileged account that owns the queue and runs the daemons.'),
  param('mail_name', 'string', 'Mailroom', 'The mail system name shown in the SMTP greeting and bounce messages.'),
  param('mail_version', 'string', '0.1.0', 'The version of the mail system.'),
  param('myhostname', 'string', () => defaultHostname(), 'Internet hostname of this mail system.'),
  param('mydomain', 'string', (get) => defaultDomain(get('myhostname')), 'Internet domain name of this mail system.'),
  param('myorigin', 'string', '$myhostname', 'Domain that locally-posted mail appears to come from.'),
  param('mydestination', 'list', '$myhostname, localhost.$mydomain, localhost', 'Domains delivered locally.', { fileEntries: true }),
  param('mynetworks_style', 'string', 'host', 'How to compute mynetworks when it is not set: host, subnet or class.'),
  param('mynetworks', 'list', (get) => defaultNetworks(get('mynetworks_style')), 'Trusted SMTP clients (networks in CIDR notation).', { fileEntries: true }),
  param('inet_interfaces', 'list', 'all', 'Network interface addresses this mail system receives mail on.'),
  param('inet_protocols', 'list', 'all', 'Internet protocols to use: ipv4, ipv6 or all.'),
  param('recipient_delimiter', 'string', '', 'Separators between user names and address extensions (user+foo).'),
  param('parent_domain_matches_subdomains', 'list',
    'debug_peer_list, fast_flush_domains, mynetworks, permit_mx_backup_networks, qmqpd_authorized_clients, relay_domains, smtpd_access_maps',
    'Features where a domain name also matches its subdomains.'),
  param('hash_queue_names', 'list', 'deferred, defer', 'Queue directories split into hashed subdirectories.'),
  param('hash_queue_depth', 'int', '1', 'Number of hashed subdirectory levels for hash_queue_names.', { min: 1 }),
  param('default_database_type', 'string', 'hash', 'Table type used by postmap and postalias when none is given.'),
  param('alias_maps', 'list', 'hash:/etc/aliases', 'Alias tables used by local delivery.'),
  param('alias_database', 'list', 'hash:/etc/aliases', 'Alias tables built by newaliases.'),
  param('maillog_file', 'string', '', 'Log file for every Mailroom process; empty means standard error of master.'),
];
