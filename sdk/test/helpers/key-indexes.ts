/** KeyIndexes for tests, from rows as a source would give them. */
import { KeyIndex } from '../../src/core/key-index.js';

/** One source row: [normalised key, raw key]. */
export type KeyRow = readonly [string, string];

/** A sealed-on-use index of `rows`, each on its own line from 2 (line 1 is a header). */
export function indexOf(system: string, rows: readonly KeyRow[]): KeyIndex {
  const index = new KeyIndex(system);
  rows.forEach(([key, raw], i) => index.add(key, raw, i + 2));
  return index;
}
