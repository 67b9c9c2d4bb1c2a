/* ipc - internal request/reply protocols and triggers between daemons. */
export * from './codec.js';
export * from './lines.js';
export * from './client.js';
export * from './server.js';
export * from './trigger.js';
