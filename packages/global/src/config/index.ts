/* config - main.cf and master.cf: parsing, expansion, editing, the loaded snapshot. */
export * from './types.js';
export * from './expand.js';
export * from './maincf.js';
export * from './mastercf.js';
export * from './load.js';
export * from './unused.js';
export * from './masteredit.js';
