/*
 * settings - virtual's parameters, read once per process.
 * Reads: virtual_mailbox_maps, virtual_mailbox_base, virtual_uid_maps, virtual_gid_maps,
 * virtual_minimum_uid, virtual_mailbox_limit, virtual_mailbox_lock, message_size_limit,
 * deliver_lock_attempts, deliver_lock_delay, stale_lock_time, strict_mailbox_ownership,
 * recipient_delimiter.
 */
import { checkMailboxLimit, parseLockMethods, type Config, type LockSettings } from '@mailroom/global';

export interface VirtualSettings {
  mailboxMaps: string[];
  base: string;
  uidMaps: string[];
  gidMaps: string[];
  minimumUid: number;
  sizeLimit: number;
  lock: LockSettings;
  strictOwnership: boolean;
  recipientDelimiter: string;
}

/** virtualSettings - read and check the parameters; throws Error with a Postfix-style text. */
export function virtualSettings(config: Config): VirtualSettings {
  const sizeLimit = config.getInt('virtual_mailbox_limit');
  checkMailboxLimit(sizeLimit, 'virtual_mailbox_limit', config.getInt('message_size_limit'));
  return {
    mailboxMaps: config.getList('virtual_mailbox_maps'),
    base: config.get('virtual_mailbox_base'),
    uidMaps: config.getList('virtual_uid_maps'),
    gidMaps: config.getList('virtual_gid_maps'),
    minimumUid: config.getInt('virtual_minimum_uid'),
    sizeLimit,
    lock: {
      methods: parseLockMethods(config.getList('virtual_mailbox_lock'), 'virtual_mailbox_lock'),
      attempts: config.getInt('deliver_lock_attempts'),
      delayMs: config.getTime('deliver_lock_delay') * 1000,
      staleMs: config.getTime('stale_lock_time') * 1000,
    },
    strictOwnership: config.getBool('strict_mailbox_ownership'),
    recipientDelimiter: config.get('recipient_delimiter'),
  };
}
