/* service - the daemon skeleton and master's contract with its children. */
export * from './proto.js';
export * from './args.js';
export * from './privileges.js';
export * from './pidfile.js';
export * from './status-file.js';
export * from './load.js';
export * from './skeleton.js';
export * from './servers.js';
