/*
 * config/unused - which main.cf settings no program reads, for postconf's
 * "unused parameter" warning. A name counts as used when the registry has it,
 * when another value refers to it (`$name`), or when it is a per-transport
 * parameter of a master.cf service (`relay_destination_concurrency_limit`).
 */
import { paramRegistry, perTransportSuffixes } from '../params/index.js';
import type { MasterEntry } from './mastercf.js';
import type { Config } from './types.js';

const REFERENCE = /\$(?:\{|\()?([A-Za-z0-9_]+)/g;

/** referencedNames - parameter names a value refers to with `$name`, `${name...}`, `$(name)`. */
export function referencedNames(value: string): string[] {
  return [...value.matchAll(REFERENCE)].map((m) => m[1] as string);
}

/** unusedParameters - names set in main.cf that nothing reads, in file order. */
export function unusedParameters(config: Config, services: readonly MasterEntry[]): string[] {
  const used = new Set<string>();
  const values = config.setNames().map((n) => config.raw(n) ?? '');
  for (const s of services) values.push(...Object.values(s.overrides), ...s.args);
  for (const v of values) for (const n of referencedNames(v)) used.add(n);
  for (const s of services) for (const suffix of perTransportSuffixes) used.add(`${s.service}_${suffix}`);
  return config.setNames().filter((n) => !paramRegistry.has(n) && !used.has(n));
}
