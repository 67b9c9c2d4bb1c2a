/* protocols - one module per internal protocol, each with its types and codecs shared by both ends. */
export * from './cleanup.js';
export * from './rewrite.js';
export * from './deliver.js';
export * from './bounce.js';
export * from './showq.js';
