/*
 * settings - local's parameters, read once per process from the configuration snapshot.
 * Reads: alias_maps, recipient_delimiter, myorigin, allow_mail_to_commands,
 * allow_mail_to_files, command_expansion_filter, command_time_limit, default_privs,
 * mailbox_delivery_lock, deliver_lock_attempts, deliver_lock_delay, stale_lock_time,
 * duplicate_filter_limit, expand_owner_alias, fallback_transport, forward_expansion_filter,
 * forward_path, home_mailbox, local_command_shell, luser_relay, mail_spool_directory,
 * mailbox_command, mailbox_size_limit, message_size_limit, mailbox_transport,
 * owner_request_special, prepend_delivered_header, strict_mailbox_ownership,
 * export_environment, queue_directory.
 */
import { checkMailboxLimit, parseLockMethods, type Config, type LockSettings } from '@mailroom/global';

export interface LocalSettings {
  config: Config;
  aliasMaps: string[];
  recipientDelimiter: string;
  myorigin: string;
  allowCommands: ReadonlySet<string>;
  allowFiles: ReadonlySet<string>;
  commandFilter: string;
  forwardFilter: string;
  commandTimeMs: number;
  defaultPrivs: string;
  lock: LockSettings;
  dupLimit: number;
  expandOwnerAlias: boolean;
  fallbackTransport: string;
  /** Raw forward_path, luser_relay and mailbox_command: expanded per recipient. */
  forwardPath: string;
  luserRelay: string;
  mailboxCommand: string;
  homeMailbox: string;
  localCommandShell: string;
  mailSpoolDirectory: string;
  mailboxSizeLimit: number;
  mailboxTransport: string;
  ownerRequestSpecial: boolean;
  deliveredHeader: ReadonlySet<string>;
  strictOwnership: boolean;
  exportEnvironment: string[];
  queueDir: string;
}

/** localSettings - read and check the parameters; throws Error with a Postfix-style text. */
export function localSettings(config: Config): LocalSettings {
  const sizeLimit = config.getInt('mailbox_size_limit');
  checkMailboxLimit(sizeLimit, 'mailbox_size_limit', config.getInt('message_size_limit'));
  return {
    config,
    aliasMaps: config.getList('alias_maps'),
    recipientDelimiter: config.get('recipient_delimiter'),
    myorigin: config.get('myorigin'),
    allowCommands: new Set(config.getList('allow_mail_to_commands').map((s) => s.toLowerCase())),
    allowFiles: new Set(config.getList('allow_mail_to_files').map((s) => s.toLowerCase())),
    commandFilter: config.get('command_expansion_filter'),
    forwardFilter: config.get('forward_expansion_filter'),
    commandTimeMs: config.getTime('command_time_limit') * 1000,
    defaultPrivs: config.get('default_privs'),
    lock: {
      methods: parseLockMethods(config.getList('mailbox_delivery_lock'), 'mailbox_delivery_lock'),
      attempts: config.getInt('deliver_lock_attempts'),
      delayMs: config.getTime('deliver_lock_delay') * 1000,
      staleMs: config.getTime('stale_lock_time') * 1000,
    },
    dupLimit: config.getInt('duplicate_filter_limit'),
    expandOwnerAlias: config.getBool('expand_owner_alias'),
    fallbackTransport: config.get('fallback_transport'),
    forwardPath: config.raw('forward_path') ?? '',
    luserRelay: config.raw('luser_relay') ?? '',
    mailboxCommand: config.raw('mailbox_command') ?? '',
    homeMailbox: config.get('home_mailbox'),
    localCommandShell: config.get('local_command_shell'),
    mailSpoolDirectory: config.get('mail_spool_directory'),
    mailboxSizeLimit: sizeLimit,
    mailboxTransport: config.get('mailbox_transport'),
    ownerRequestSpecial: config.getBool('owner_request_special'),
    deliveredHeader: new Set(config.getList('prepend_delivered_header').map((s) => s.toLowerCase())),
    strictOwnership: config.getBool('strict_mailbox_ownership'),
    exportEnvironment: config.getList('export_environment'),
    queueDir: config.get('queue_directory'),
  };
}
