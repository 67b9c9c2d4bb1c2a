/*
 * testing - support for tests and fault injection, not for the daemons:
 * `@mailroom/global/testing`. Kept out of the main index so that no daemon loads it.
 */

/** seededRandom - a small deterministic PRNG (mulberry32): a seed replays a fuzz or chaos run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
