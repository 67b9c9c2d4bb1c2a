/*
 * params/cleanup - parameters of cleanup, the message canonicalisation daemon: header
 * limits and missing headers, canonical and virtual alias mapping, masquerading,
 * automatic BCC, header/body checks. Read by packages/cleanup (settings.ts) and by the
 * cleanup client in protocols/cleanup.ts (cleanup_service_name). Names and defaults are
 * Postfix 3.x's; docs/cleanup.md explains each.
 */
import { param, type ParamSpec } from './types.js';

const ALL_CLASSES = 'envelope_sender, envelope_recipient, header_sender, header_recipient';

export const cleanupParams: readonly ParamSpec[] = [
  param('cleanup_service_name', 'string', 'cleanup', 'The name of the cleanup service (a master.cf service, public/NAME).'),
  // Headers.
  param('header_size_limit', 'int', '102400', 'The maximal length of one logical message header; the excess is discarded.', { min: 1 }),
  param('hopcount_limit', 'int', '50', 'The maximal number of Received: headers; a message with more is rejected (5.4.0).', { min: 1 }),
  param('always_add_missing_headers', 'bool', 'no',
    'Add missing From:, Date:, Message-ID: (and To:) headers also to mail from clients outside local_header_rewrite_clients.'),
  param('local_header_rewrite_clients', 'list', 'permit_inet_interfaces',
    'Clients whose message headers are rewritten and completed: permit_inet_interfaces, permit_mynetworks, permit_sasl_authenticated, check_address_map type:table.'),
  param('undisclosed_recipients_header', 'string', '', 'Header added when a message has no To: or Cc: header (empty: none), e.g. "To: undisclosed-recipients:;".'),
  param('message_drop_headers', 'list', 'bcc, content-length, resent-bcc, return-path', 'Message headers that cleanup removes.'),
  param('header_from_format', 'string', 'standard', 'Format of an added From: header with a full name: standard ("Name <addr>") or obsolete ("addr (Name)").'),
  // Recipients.
  // duplicate_filter_limit is declared with local's parameters (params/local.ts); cleanup reads it too.
  param('enable_original_recipient', 'bool', 'yes', 'Record each recipient\'s original address in the queue file (and keep recipients that differ in it apart).'),
  // Address mapping.
  param('canonical_maps', 'list', '', 'Tables mapping sender and recipient addresses (envelope and headers) to other addresses.'),
  param('sender_canonical_maps', 'list', '', 'Tables mapping sender addresses, before canonical_maps.'),
  param('recipient_canonical_maps', 'list', '', 'Tables mapping recipient addresses, before canonical_maps.'),
  param('canonical_classes', 'list', ALL_CLASSES, 'Addresses that canonical_maps applies to.'),
  param('sender_canonical_classes', 'list', 'envelope_sender, header_sender', 'Addresses that sender_canonical_maps applies to.'),
  param('recipient_canonical_classes', 'list', 'envelope_recipient, header_recipient', 'Addresses that recipient_canonical_maps applies to.'),
  param('masquerade_domains', 'list', '', 'Domains whose subdomain structure is stripped from addresses ("!domain": never masquerade it).'),
  param('masquerade_exceptions', 'list', '', 'Local parts (user names) that are never masqueraded.'),
  param('masquerade_classes', 'list', 'envelope_sender, header_sender, header_recipient', 'Addresses that masquerade_domains applies to.'),
  param('virtual_alias_maps', 'list', '', 'Tables aliasing recipient addresses (any domain) to one or more other addresses.'),
  param('virtual_alias_expansion_limit', 'int', '1000', 'The maximal number of addresses one recipient may expand to through virtual_alias_maps.', { min: 1 }),
  param('virtual_alias_recursion_limit', 'int', '1000', 'The maximal nesting depth of virtual alias expansion.', { min: 1 }),
  param('virtual_alias_address_length_limit', 'int', '1000', 'The maximal length of an address found by virtual alias expansion.', { min: 1 }),
  param('propagate_unmatched_extensions', 'list', 'canonical, virtual',
    'Mappings that append an address extension their lookup ignored to the result: canonical, virtual (alias, forward, include: local\'s).'),
  param('always_bcc', 'string', '', 'Address that receives a blind carbon copy of every message received.'),
  param('sender_bcc_maps', 'list', '', 'Tables from the envelope sender to an address that receives a blind carbon copy.'),
  param('recipient_bcc_maps', 'list', '', 'Tables from an envelope recipient to an address that receives a blind carbon copy.'),
  // Content inspection.
  param('header_checks', 'list', '', 'Tables (regexp:, pcre:) matched against each primary message header.'),
  param('mime_header_checks', 'list', '$header_checks', 'Tables matched against MIME headers (Content-*, MIME-Version) at any level.'),
  param('nested_header_checks', 'list', '$header_checks', 'Tables matched against the headers of attached messages (message/rfc822).'),
  param('body_checks', 'list', '', 'Tables matched against each body line (including MIME boundaries).'),
  param('body_checks_size_limit', 'int', '51200', 'How many bytes of each body part are subjected to body_checks.', { min: 0 }),
];
