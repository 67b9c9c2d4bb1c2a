/*
 * params/smtpd - parameters of smtpd, the SMTP server: greeting, access restrictions and
 * their reply codes, recipient validation, limits and the SMTP smuggling defence
 * (dns_servers, shared with smtp, is in params/smtp.ts).
 * Names and defaults are Postfix's; the two deliberate differences (disable_vrfy_command,
 * smtpd_forbid_bare_newline) are explained in docs/smtpd.md.
 */
import { param, type ParamSpec } from './types.js';

const code = (name: string, dflt: string, what: string): ParamSpec =>
  param(name, 'int', dflt, `SMTP reply code ${what}.`, { min: 400 });

export const smtpdParams: readonly ParamSpec[] = [
  param('smtpd_banner', 'string', '$myhostname ESMTP $mail_name', 'Text that follows the 220 status code in the SMTP greeting.'),
  // Access restrictions, in the order Postfix evaluates them.
  param('smtpd_client_restrictions', 'list', '', 'Restrictions on the client host (evaluated at RCPT time with smtpd_delay_reject).'),
  param('smtpd_helo_restrictions', 'list', '', 'Restrictions on the HELO/EHLO hostname.'),
  param('smtpd_sender_restrictions', 'list', '', 'Restrictions on the MAIL FROM address.'),
  param('smtpd_relay_restrictions', 'list', 'permit_mynetworks, permit_sasl_authenticated, defer_unauth_destination',
    'Mail relay control at RCPT time, evaluated before smtpd_recipient_restrictions.'),
  param('smtpd_recipient_restrictions', 'list', '', 'Restrictions on the RCPT TO address, after smtpd_relay_restrictions.'),
  param('smtpd_data_restrictions', 'list', '', 'Restrictions applied to the DATA command.'),
  param('smtpd_end_of_data_restrictions', 'list', '', 'Restrictions applied when the client has sent the whole message.'),
  param('smtpd_delay_reject', 'bool', 'yes', 'Evaluate client, HELO and sender restrictions at RCPT time.'),
  param('smtpd_reject_unlisted_sender', 'bool', 'no', 'Reject unknown sender addresses in our own domains without an explicit restriction.'),
  param('smtpd_reject_unlisted_recipient', 'bool', 'yes', 'Reject unknown recipient addresses without an explicit reject_unlisted_recipient.'),
  param('smtpd_null_access_lookup_key', 'string', '<>', 'Lookup key for the null sender address in access tables.'),
  param('disable_vrfy_command', 'bool', 'yes', 'Disable the SMTP VRFY command (Postfix default: no; see docs/smtpd.md).'),
  param('show_user_unknown_table_name', 'bool', 'yes', 'Name the recipient table in "User unknown" replies.'),
  // Recipient validation tables owned by smtpd (the others belong to trivial-rewrite and cleanup).
  param('local_recipient_maps', 'list', 'proxy:unix:passwd.byname $alias_maps', 'Tables with every local recipient (user names or addresses).'),
  param('relay_recipient_maps', 'list', '', 'Tables with every valid recipient in relay_domains (empty: any).'),
  // Reply codes.
  code('access_map_reject_code', '554', 'for an access table REJECT'),
  code('access_map_defer_code', '450', 'for an access table DEFER'),
  code('reject_code', '554', 'for the reject restriction'),
  code('defer_code', '450', 'for the defer restriction and defer_unauth_destination'),
  code('relay_domains_reject_code', '554', 'for reject_unauth_destination (Relay access denied)'),
  code('unknown_local_recipient_reject_code', '550', 'for unknown users in local domains'),
  code('unknown_relay_recipient_reject_code', '550', 'for recipients not in relay_recipient_maps'),
  code('unknown_virtual_alias_reject_code', '550', 'for recipients not in virtual_alias_maps'),
  code('unknown_virtual_mailbox_reject_code', '550', 'for recipients not in virtual_mailbox_maps'),
  code('unknown_address_reject_code', '450', 'for reject_unknown_sender_domain and reject_unknown_recipient_domain'),
  code('unknown_hostname_reject_code', '450', 'for reject_unknown_helo_hostname'),
  code('unknown_client_reject_code', '450', 'for reject_unknown_client_hostname and reject_unknown_reverse_client_hostname'),
  code('maps_rbl_reject_code', '554', 'for reject_rbl_client'),
  code('invalid_hostname_reject_code', '501', 'for reject_invalid_helo_hostname'),
  code('non_fqdn_reject_code', '504', 'for reject_non_fqdn_helo_hostname, _sender and _recipient'),
  param('reject_tempfail_action', 'string', 'defer_if_permit', 'What to do when a restriction cannot decide for a temporary reason.'),
  param('unknown_address_tempfail_action', 'string', '$reject_tempfail_action', 'What to do when a sender or recipient domain lookup fails temporarily.'),
  param('default_rbl_reply', 'string', '$rbl_code Service unavailable; $rbl_class [$rbl_what] blocked using $rbl_domain${rbl_reason?; $rbl_reason}',
    'Reply template for reject_rbl_client ($rbl_* are expanded per reply).'),
  // Limits.
  param('message_size_limit', 'int', '10240000', 'Maximal size of a message in bytes (0: no limit).', { min: 0 }),
  param('line_length_limit', 'int', '2048', 'Longest SMTP command line smtpd accepts (message lines may be longer: cleanup splits them).', { min: 80 }),
  param('smtpd_recipient_limit', 'int', '1000', 'Maximal number of recipients per message.', { min: 1 }),
  param('smtpd_timeout', 'time', '300s', 'Time limit for a client command or message data line.', { unit: 's', min: 1 }),
  param('smtpd_soft_error_limit', 'int', '10', 'Errors after which every error reply is delayed by smtpd_error_sleep_time.', { min: 0 }),
  param('smtpd_hard_error_limit', 'int', '20', 'Errors after which the client is disconnected.', { min: 1 }),
  param('smtpd_error_sleep_time', 'time', '1s', 'Delay before an error reply once smtpd_soft_error_limit is reached.', { unit: 's', min: 0 }),
  param('smtpd_client_connection_count_limit', 'int', '50', 'Simultaneous connections one client address may have (0: no limit).', { min: 0 }),
  param('smtpd_client_connection_rate_limit', 'int', '0', 'Connections one client address may open per anvil_rate_time_unit (0: no limit).', { min: 0 }),
  param('smtpd_client_event_limit_exceptions', 'list', '$mynetworks', 'Clients exempt from the connection count and rate limits.', { fileEntries: true }),
  param('anvil_rate_time_unit', 'time', '60s', 'Time unit of the connection rate limit.', { unit: 's', min: 1 }),
  // Client identity and the SMTP smuggling defence.
  param('smtpd_peername_lookup', 'bool', 'yes', 'Look up the client hostname (reverse DNS with forward confirmation); no: always "unknown".'),
  param('smtpd_forbid_bare_newline', 'string', 'reject',
    'Bare <LF> (and <CR>) in commands and message content: reject, normalize (yes), note or no (Postfix 3.9 default: normalize).'),
  param('smtpd_forbid_bare_newline_exclusions', 'list', '$mynetworks', 'Clients for which smtpd_forbid_bare_newline does not apply.', { fileEntries: true }),
  param('smtpd_forbid_bare_newline_reject_code', 'int', '550', 'SMTP reply code when smtpd_forbid_bare_newline rejects a command or message.', { min: 400 }),
];
