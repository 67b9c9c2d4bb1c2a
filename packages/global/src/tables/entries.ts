/*
 * tables/entries - an ordered set of key/value entries with Postfix's duplicate
 * handling (warn and keep the first, ignore, or replace: postmap's default, -w, -r)
 * and deletion. Used by texthash and inline tables and by the hash/lmdb builders.
 * A Map keeps insertion order, so no second array is needed (1,000,000-entry builds).
 */
import type { DuplicateMode } from './types.js';

export class EntrySet {
  readonly map = new Map<string, string>();

  constructor(
    private readonly mode: DuplicateMode,
    private readonly onDuplicate: (key: string, line?: number) => void,
  ) {}

  /** add - store key (already folded); a repeated key follows the duplicate mode. */
  add(key: string, value: string, line?: number): void {
    if (this.mode === 'replace' || !this.map.has(key)) this.map.set(key, value);
    else if (this.mode === 'warn') this.onDuplicate(key, line);
  }

  get(key: string): string | undefined {
    return this.map.get(key);
  }

  /** delete - remove key; false when it was not there. */
  delete(key: string): boolean {
    return this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }

  entries(): IterableIterator<[string, string]> {
    return this.map.entries();
  }
}
