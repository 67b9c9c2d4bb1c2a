/*
 * params/rewrite - parameters of trivial-rewrite: rewriting to standard form, address
 * classes (the domain lists and their transports), relayhost and transport_maps.
 * Read by packages/trivial-rewrite (settings.ts) and by the client in protocols/rewrite.ts
 * (rewrite_service_name); smtpd also reads relay_domains and virtual_mailbox_maps.
 * Defaults are Postfix 3.x's at compatibility_level >= 2, where Postfix computes them from
 * compatibility_level (append_dot_mydomain = no, relay_domains = empty).
 */
import { param, type ParamSpec } from './types.js';

export const rewriteParams: readonly ParamSpec[] = [
  param('rewrite_service_name', 'string', 'rewrite', 'The name of the address rewriting and resolving service (a master.cf service).'),
  // Rewriting to standard form.
  param('append_at_myorigin', 'bool', 'yes', 'Append "@$myorigin" to addresses without domain information.'),
  param('append_dot_mydomain', 'bool', 'no', 'Append ".$mydomain" to domains without a dot (Postfix default "no" at compatibility_level >= 1).'),
  param('swap_bangpath', 'bool', 'yes', 'Rewrite "site!user" into "user@site".'),
  param('allow_percent_hack', 'bool', 'yes', 'Rewrite "user%domain" into "user@domain".'),
  param('remote_header_rewrite_domain', 'string', '', 'Domain appended to incomplete addresses by the "remote" rewriting context; empty: append nothing.'),
  param('resolve_dequoted_address', 'bool', 'yes', 'Look inside quoted local parts for routing operators (@ % !) when resolving.'),
  param('resolve_null_domain', 'bool', 'no', 'Resolve "user@" as if the local hostname were given, instead of as an invalid address.'),
  param('resolve_numeric_domain', 'bool', 'no', 'Resolve "user@ipaddress" as "user@[ipaddress]", instead of as an invalid address.'),
  param('allow_min_user', 'bool', 'no', 'Allow a recipient address to start with "-".'),
  param('empty_address_recipient', 'string', 'MAILER-DAEMON', 'The recipient of mail addressed to the null address.'),
  // Address classes.
  param('relay_domains', 'list', '', 'Domains this system relays mail to (relay address class); Postfix default at compatibility_level >= 2.',
    { fileEntries: true }),
  param('virtual_alias_domains', 'list', '$virtual_alias_maps', 'Domains whose every address is aliased to other addresses (virtual alias class).',
    { fileEntries: true }),
  param('virtual_mailbox_domains', 'list', '$virtual_mailbox_maps', 'Domains delivered by $virtual_transport (virtual mailbox class).',
    { fileEntries: true }),
  param('virtual_mailbox_maps', 'list', '', 'Tables of valid recipients in virtual mailbox domains (and their mailbox paths).'),
  param('proxy_interfaces', 'list', '', 'Network addresses this system receives mail on through a proxy or NAT (local for [address] literals).'),
  param('helpful_warnings', 'bool', 'yes', 'Log warnings about problematic configuration settings, such as a domain in two address classes.'),
  // Transports and next hops.
  param('local_transport', 'string', 'local:$myhostname', 'Transport (and next hop) for the local address class.'),
  param('virtual_transport', 'string', 'virtual', 'Transport (and next hop) for the virtual mailbox address class.'),
  param('relay_transport', 'string', 'relay', 'Transport (and next hop) for the relay address class.'),
  param('default_transport', 'string', 'smtp', 'Transport (and next hop) for the default address class.'),
  param('relayhost', 'string', '', 'Next hop for relay and default class mail instead of the recipient domain; [host]:port disables MX lookups.'),
  param('transport_maps', 'list', '', 'Tables from recipient address or domain to transport:nexthop, overriding the address class.'),
  param('sender_dependent_relayhost_maps', 'list', '', 'Tables from sender address to a relayhost that overrides $relayhost.'),
  param('empty_address_relayhost_maps_lookup_key', 'string', '<>', 'The sender_dependent_relayhost_maps key used for the null sender.'),
  param('sender_dependent_default_transport_maps', 'list', '', 'Tables from sender address to a transport that overrides $default_transport.'),
  param('empty_address_default_transport_maps_lookup_key', 'string', '<>', 'The sender_dependent_default_transport_maps key used for the null sender.'),
  param('relocated_maps', 'list', '', 'Tables of users or domains that moved: such recipients resolve to the error transport.'),
];
