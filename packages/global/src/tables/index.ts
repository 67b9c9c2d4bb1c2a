/* tables - Postfix lookup tables behind one interface (see docs/tables.md). */
export * from './types.js';
export { eachKeyValue, eachSourceLine, sourceLines, splitKeyValue, type SourceLine } from './source.js';
export { openTable, openTableType, openMaps, parseTableSpec, supportedTableTypes, BUILDABLE_SUFFIX } from './open.js';
export { TableCache, tableCache } from './cache.js';
export { MapsList, PipeTable, UnionTable } from './composite.js';
export * from './search.js';
export { parseAliasLine, parseAliasLines, parseAliasValue, splitOutsideQuotes, type AliasEntry, type AliasTarget } from './aliases.js';
export { buildTable, deleteKeys, compiledPath, type BuildOptions } from './build.js';
export { hashBytes } from './hashfile.js';
export { parseCidr } from './cidr.js';
