/*
 * params/virtual - parameters of virtual, the virtual mailbox delivery agent (read by
 * packages/virtual). virtual_mailbox_domains and virtual_mailbox_maps belong to
 * trivial-rewrite (params/rewrite.ts): they route mail here too.
 */
import { param, type ParamSpec } from './types.js';

export const virtualParams: readonly ParamSpec[] = [
  param('virtual_mailbox_base', 'string', '',
    'Directory that virtual_mailbox_maps paths are relative to.'),
  param('virtual_uid_maps', 'list', '',
    'Tables with the user ID of each virtual mailbox (static:5000 for one ID), searched as virtual_mailbox_maps.'),
  param('virtual_gid_maps', 'list', '',
    'Tables with the group ID of each virtual mailbox (static:5000 for one ID), searched as virtual_mailbox_maps.'),
  param('virtual_minimum_uid', 'int', '100', 'The smallest user ID virtual_uid_maps may give.', { min: 0 }),
  param('virtual_mailbox_limit', 'int', '51200000',
    'The largest mailbox file or Maildir message file virtual writes (0: no limit).', { min: 0 }),
  param('virtual_mailbox_lock', 'list', 'fcntl, dotlock',
    'How to lock a virtual UNIX mailbox: any of fcntl, flock, dotlock.'),
];
