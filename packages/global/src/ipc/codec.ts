/*
 * ipc/codec - typed, validating codecs for the newline-delimited JSON protocols between
 * daemons (one codec per message type, shared by both ends) and for master's status
 * channel. A check turns `unknown` into a typed value or throws ProtocolError naming the field.
 * Used by ipc/client.ts, ipc/server.ts, service/proto.ts and every protocol module.
 */

/** A malformed message: wrong JSON, a missing field or a value of the wrong type. */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** A validator: returns the typed value or throws ProtocolError (`path` names the field). */
export type Check<T> = (v: unknown, path: string) => T;

function fail(path: string, want: string, v: unknown): never {
  const got = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  throw new ProtocolError(`${path}: expected ${want}, got ${got}`);
}

export const str: Check<string> = (v, p) => (typeof v === 'string' ? v : fail(p, 'string', v));
export const bool: Check<boolean> = (v, p) => (typeof v === 'boolean' ? v : fail(p, 'boolean', v));
export const num: Check<number> = (v, p) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(p, 'number', v));
export const int: Check<number> = (v, p) => (Number.isSafeInteger(v) ? (v as number) : fail(p, 'integer', v));

/** optional - the check, or undefined when the field is absent. */
export function optional<T>(check: Check<T>): Check<T | undefined> {
  return (v, p) => (v === undefined ? undefined : check(v, p));
}

/** literal - one of the given strings. */
export function literal<L extends string>(...values: L[]): Check<L> {
  return (v, p) => ((values as unknown[]).includes(v) ? (v as L) : fail(p, values.map((x) => `"${x}"`).join('|'), v));
}

/** arrayOf - an array whose every element passes `check`. */
export function arrayOf<T>(check: Check<T>): Check<T[]> {
  return (v, p) => (Array.isArray(v) ? v.map((x, i) => check(x, `${p}[${i}]`)) : fail(p, 'array', v));
}

/** recordOf - a plain object whose every value passes `check`. */
export function recordOf<T>(check: Check<T>): Check<Record<string, T>> {
  return (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, 'object', v);
    const out: Record<string, T> = {};
    for (const [k, x] of Object.entries(v as object)) out[k] = check(x, `${p}.${k}`);
    return out;
  };
}

type Shape = Record<string, Check<unknown>>;
type Required<S extends Shape> = { [K in keyof S as undefined extends ReturnType<S[K]> ? never : K]: ReturnType<S[K]> };
type Optional<S extends Shape> = { [K in keyof S as undefined extends ReturnType<S[K]> ? K : never]?: ReturnType<S[K]> };
/** The type an object check produces. */
export type ShapeOf<S extends Shape> = Required<S> & Optional<S>;

/** object - a plain object with the given fields (others are ignored, so protocols can grow). */
export function object<S extends Shape>(shape: S): Check<ShapeOf<S>> {
  return (v, p) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(p, 'object', v);
    const src = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [k, check] of Object.entries(shape)) {
      const x = check(src[k], `${p}.${k}`);
      if (x !== undefined) out[k] = x;
    }
    return out as ShapeOf<S>;
  };
}

/** union - a tagged union: `tag` selects the check. */
export function union<T>(tag: string, variants: Record<string, Check<T>>): Check<T> {
  return (v, p) => {
    const t = (v as Record<string, unknown> | null)?.[tag];
    const check = typeof t === 'string' && Object.hasOwn(variants, t) ? variants[t] : undefined;
    if (!check) return fail(`${p}.${tag}`, Object.keys(variants).map((x) => `"${x}"`).join('|'), t);
    return check(v, p);
  };
}

/** One message type of a protocol: one line of JSON per message. */
export interface Codec<T> {
  readonly name: string;
  /** The message as one line, newline included. */
  encode(msg: T): string;
  /** Parse and validate one line (without its newline). */
  decode(line: string): T;
  /** Validate an already-parsed value (Node's IPC channel delivers objects). */
  check(value: unknown): T;
}

/** defineCodec - the codec of message type `name`, validated by `check`. */
export function defineCodec<T>(name: string, check: Check<T>): Codec<T> {
  return {
    name,
    encode: (msg) => `${JSON.stringify(msg)}\n`,
    check: (value) => check(value, name),
    decode(line) {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new ProtocolError(`${name}: malformed JSON: ${line.slice(0, 80)}`);
      }
      return check(value, name);
    },
  };
}
