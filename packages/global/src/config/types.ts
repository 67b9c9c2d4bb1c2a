/*
 * config/types - the shape of a loaded configuration, shared by every process.
 *
 * A Config is a frozen snapshot: main.cf (plus the service's `-o` overrides) over the
 * parameter registry's defaults. Values are returned with `$name` expansion done.
 */

/** Where a parameter's value came from, for `postconf -n` and error messages. */
export interface ParamOrigin {
  file: string;
  line: number;
}

export interface Config {
  /** The directory holding main.cf and master.cf. */
  readonly configDir: string;
  /** Expanded value of a parameter (registry default when not set); '' for unknown names. */
  get(name: string): string;
  /** Raw (unexpanded) value as written in main.cf, or the registry default. */
  raw(name: string): string | undefined;
  /** True when main.cf (or an override) sets the parameter. */
  isSet(name: string): boolean;
  /** Integer value; throws ConfigError naming file:line when the value is not a number. */
  getInt(name: string): number;
  /** yes/no value. */
  getBool(name: string): boolean;
  /** Time value in seconds (`300s`, `5d`, `1h`; a bare number uses the registry's unit). */
  getTime(name: string): number;
  /** List value: split on commas and white space; `/file/name` entries are read in. */
  getList(name: string): string[];
  /** Names set in main.cf and overrides, in file order. */
  setNames(): string[];
  /** Where a parameter was set, if anywhere. */
  origin(name: string): ParamOrigin | undefined;
  /** A new snapshot with extra `name=value` overrides (master.cf `-o`), set at `origin`. */
  withOverrides(overrides: Record<string, string>, origin?: ParamOrigin): Config;
}

/** A broken configuration line: the message reads `file:line: reason`. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
    this.name = 'ConfigError';
  }
}
