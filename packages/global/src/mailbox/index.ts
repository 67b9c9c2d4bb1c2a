/* mailbox - final delivery to Maildirs, UNIX mailboxes and commands, shared by the local, virtual and pipe agents. */
export * from './errors.js';
export * from './headers.js';
export * from './content.js';
export * from './lines.js';
export { parseLockMethods, withPathMutex, type LockMethod, type LockSettings } from './lock.js';
export { makeDirs, type FileOwner } from './files.js';
export * from './maildir.js';
export * from './mbox.js';
export { deliverAsUser, type HelperJob } from './asuser.js';
export { feedChild } from './pipe.js';
export * from './sysexits.js';
export * from './command.js';
export * from './copy.js';
