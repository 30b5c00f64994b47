/** A seeded random source: the same seed gives the same data set on every machine. */
import prand from 'pure-rand';

export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, bound). */
  below(bound: number): number;
  /** Fisher–Yates, in place. */
  shuffle<T>(items: T[] | Uint32Array): void;
}

export function createRandom(seed: number): Random {
  const generator = prand.xoroshiro128plus(seed);
  const next = () => (generator.unsafeNext() >>> 0) / 0x1_0000_0000;
  const below = (bound: number) => Math.floor(next() * bound);
  return {
    next,
    below,
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = below(i + 1);
        const swap = items[i]!;
        items[i] = items[j]!;
        items[j] = swap;
      }
    },
  };
}
