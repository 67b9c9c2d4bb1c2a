/*
 * params - the one registry of every parameter Mailroom reads.
 *
 * Each area declares its parameters in its own file; this module joins them into one
 * table, checks that no name is declared twice, and is the only place defaults live.
 * Read by loadConfig(), `postconf -d` and the docs generator.
 */
import { baseParams } from './base.js';
import { masterParams } from './master.js';
import { smtpdParams } from './smtpd.js';
import { cleanupParams } from './cleanup.js';
import { rewriteParams } from './rewrite.js';
import { submissionParams } from './submission.js';
import { qmgrParams } from './qmgr.js';
import { bounceParams } from './bounce.js';
import { localParams } from './local.js';
import { virtualParams } from './virtual.js';
import { smtpParams } from './smtp.js';
import { showqParams } from './showq.js';
import type { ParamSpec } from './types.js';

export * from './types.js';
export * from './transport.js';

const all: readonly ParamSpec[] = [
  ...baseParams,
  ...masterParams,
  ...smtpdParams,
  ...cleanupParams,
  ...rewriteParams,
  ...submissionParams,
  ...qmgrParams,
  ...bounceParams,
  ...localParams,
  ...virtualParams,
  ...smtpParams,
  ...showqParams,
];

/** paramRegistry - every parameter, by name. */
export const paramRegistry: ReadonlyMap<string, ParamSpec> = (() => {
  const map = new Map<string, ParamSpec>();
  for (const spec of all) {
    if (map.has(spec.name)) throw new Error(`parameter registry: duplicate parameter ${spec.name}`);
    map.set(spec.name, spec);
  }
  return map;
})();

/** paramNames - all registered names, sorted as postconf prints them. */
export function paramNames(): string[] {
  return [...paramRegistry.keys()].sort();
}
export * from './doc.js';
