/* @mailroom/global - mail-specific code shared by every daemon and command. */
export * from './log.js';
export * from './dates.js';
export * from './errno.js';
export * from './address/index.js';
export * from './params/index.js';
export * from './config/index.js';
export * from './ipc/index.js';
export * from './service/index.js';
export * from './tables/index.js';
export * from './queue/index.js';
export * from './protocols/index.js';
export * from './deliver/index.js';
export * from './dns/index.js';
export * from './mailbox/index.js';
export * from './tls/index.js';
