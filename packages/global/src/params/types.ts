/*
 * params/types - the shape of one entry of the parameter registry.
 *
 * Every parameter any Mailroom program reads is declared exactly once, with its
 * type and default. Defaults are Postfix's where Postfix has the parameter; they are
 * written raw (`$myhostname`) and expanded when read, as Postfix does.
 */

export type ParamKind = 'string' | 'list' | 'int' | 'bool' | 'time';

/** Units Postfix accepts after a time value; the registry names the default unit. */
export type TimeUnit = 's' | 'm' | 'h' | 'd' | 'w';

/** A default computed at load time; `get` returns other parameters' expanded values. */
export type ComputedDefault = (get: (name: string) => string) => string;

export interface ParamSpec {
  readonly name: string;
  readonly kind: ParamKind;
  /** Raw default; a function when Postfix computes it from the machine or other parameters. */
  readonly default: string | ComputedDefault;
  /** One-line description for `docs/` and `postconf`'s manual. */
  readonly description: string;
  /** Default unit of a bare number, for `time` parameters. */
  readonly unit?: TimeUnit;
  /** Lower bound of `int`/`time` values. */
  readonly min?: number;
  /** Pattern lists (mydestination, mynetworks...) read `/file/name` entries in. */
  readonly fileEntries?: boolean;
}

/** param - declare a registry entry (keeps the tables short to read). */
export function param(
  name: string,
  kind: ParamKind,
  dflt: string | ComputedDefault,
  description: string,
  extra: Partial<Pick<ParamSpec, 'unit' | 'min' | 'fileEntries'>> = {},
): ParamSpec {
  return { name, kind, default: dflt, description, ...extra };
}
