/* mailbox - final delivery to Maildirs and UNIX mailboxes, shared by the local and virtual agents. */
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
