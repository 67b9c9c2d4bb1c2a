/*
 * params/local - parameters of local, the local delivery agent (read by packages/local).
 * Names and defaults are Postfix's (Linux values where Postfix's are system dependent).
 */
import { param, type ParamSpec } from './types.js';

/** Postfix's default forward_expansion_filter and command_expansion_filter. */
const SAFE_CHARS = '1234567890!@%-_=+:,./abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

export const localParams: readonly ParamSpec[] = [
  param('allow_mail_to_commands', 'list', 'alias, forward',
    'Where `|command` destinations are allowed: any of alias, forward, include.'),
  param('allow_mail_to_files', 'list', 'alias, forward',
    'Where `/file/name` destinations are allowed: any of alias, forward, include.'),
  param('command_expansion_filter', 'string', SAFE_CHARS,
    'Characters allowed in $name expansions of mailbox_command; others become underscores.'),
  param('command_time_limit', 'time', '1000s',
    'Time limit for delivery to an external command; the command is killed after it.', { unit: 's', min: 1 }),
  param('default_privs', 'string', 'nobody',
    'The account whose rights commands and files run with when there is no recipient user (aliases owned by root).'),
  param('deliver_lock_attempts', 'int', '20', 'How many times to try to lock a mailbox or file.', { min: 1 }),
  param('deliver_lock_delay', 'time', '1s', 'Time between attempts to lock a mailbox or file.', { unit: 's', min: 0 }),
  param('duplicate_filter_limit', 'int', '1000',
    'The most destinations local remembers per delivery to avoid duplicates from alias and .forward expansion.', { min: 0 }),
  param('expand_owner_alias', 'bool', 'no',
    'Use the right-hand side of an owner- alias as the sender of the expansion, instead of the owner- address.'),
  param('fallback_transport', 'string', '',
    'Transport (transport[:nexthop]) for recipients not found in the passwd database or the aliases.'),
  param('forward_expansion_filter', 'string', SAFE_CHARS,
    'Characters allowed in $name expansions of forward_path; others become underscores.'),
  param('forward_path', 'list', '$home/.forward${recipient_delimiter}${extension}, $home/.forward',
    'The .forward files to look for, in order ($user, $home, $recipient, $extension, $domain, $local, $recipient_delimiter).'),
  param('home_mailbox', 'string', '',
    'Mailbox relative to the user\'s home directory; a trailing / means Maildir. Empty: mail_spool_directory.'),
  param('local_command_shell', 'string', '',
    'Shell for commands (e.g. /some/where/smrsh -c); empty: run a /path directly, anything else with /bin/sh -c.'),
  param('luser_relay', 'string', '',
    'Where mail for unknown local users goes (an address; $user, $local, $extension, $domain, $recipient expanded).'),
  param('mail_spool_directory', 'string', '/var/mail',
    'Directory of UNIX mailboxes, one file per user; a trailing / means one Maildir per user.'),
  param('mailbox_command', 'string', '',
    'Command that delivers to the mailbox instead of local (e.g. procmail), run as the recipient.'),
  param('mailbox_delivery_lock', 'list', 'fcntl, dotlock',
    'How to lock a UNIX mailbox or file: any of fcntl, flock, dotlock.'),
  param('mailbox_size_limit', 'int', '51200000',
    'The largest mailbox file or Maildir message file local writes (0: no limit).', { min: 0 }),
  param('mailbox_transport', 'string', '',
    'Transport (transport[:nexthop]) that gets mail for every local mailbox instead of local itself (e.g. lmtp:unix:/path).'),
  param('owner_request_special', 'bool', 'yes',
    'Give owner-name and name-request addresses special treatment (no extension splitting, owner- senders).'),
  param('prepend_delivered_header', 'list', 'command, file, forward',
    'Deliveries that get a Delivered-To: header besides mailboxes: any of command, file, forward.'),
  param('stale_lock_time', 'time', '500s', 'Age after which a dot-lock file is considered stale and removed.', { unit: 's', min: 1 }),
  param('strict_mailbox_ownership', 'bool', 'yes', 'Defer delivery to a mailbox file not owned by its recipient.'),
];
