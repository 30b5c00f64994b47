/**
 * A bounded, weighted Damerau distance (optimal string alignment) between two keys
 * (docs/behaviour.md §10): insertion, deletion, substitution and transposition of two
 * adjacent characters cost 1; a substitution between confusable characters (O/0, I/1/L, S/5,
 * B/8, Z/2) costs 0.5, because people misread and mistype those far more often.
 *
 * Costs are counted in half units so the table stays integral. A common prefix and suffix
 * cost nothing and are skipped (near keys usually differ in a few characters in the middle);
 * only the diagonal band that can stay within the bound is filled, and the work stops once a
 * whole row exceeds it, so a pair costs O(length × bound).
 */
import { confusableClass } from './key-forms.js';

/** Half units per unit of cost. */
const UNIT = 2;
const BEYOND = 0x3fff_ffff;

let rows: Int32Array[] = [new Int32Array(0), new Int32Array(0), new Int32Array(0)];

/** The distance between `a` and `b`, or `Infinity` when it exceeds `bound`. */
export function boundedDistance(a: string, b: string, bound: number): number {
  const limit = Math.floor(bound * UNIT);
  if (Math.abs(a.length - b.length) * UNIT > limit) return Infinity;
  // The common prefix and suffix are skipped by offsets, not slices: a run confirms millions of pairs.
  let start = 0;
  while (start < a.length && start < b.length && a.charCodeAt(start) === b.charCodeAt(start)) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a.charCodeAt(endA - 1) === b.charCodeAt(endB - 1)) {
    endA--;
    endB--;
  }
  const n = endA - start;
  const m = endB - start;
  if (rows[0]!.length < m + 1) rows = [new Int32Array(m + 1), new Int32Array(m + 1), new Int32Array(m + 1)];
  let twoBack = rows[0]!;
  let previous = rows[1]!;
  let current = rows[2]!;
  const band = Math.floor(limit / UNIT);
  for (let j = 0; j <= m; j++) previous[j] = j <= band ? j * UNIT : BEYOND;
  for (let i = 1; i <= n; i++) {
    const from = Math.max(1, i - band);
    const to = Math.min(m, i + band);
    current[0] = i <= band ? i * UNIT : BEYOND;
    if (from > 1) current[from - 1] = BEYOND;
    let rowMin = current[0];
    const ca = a.charCodeAt(start + i - 1);
    for (let j = from; j <= to; j++) {
      const cb = b.charCodeAt(start + j - 1);
      const substitution = ca === cb ? 0 : confusableClass(ca) === confusableClass(cb) ? UNIT / 2 : UNIT;
      let cost = Math.min(previous[j - 1]! + substitution, previous[j]! + UNIT, current[j - 1]! + UNIT);
      if (i > 1 && j > 1 && ca === b.charCodeAt(start + j - 2) && a.charCodeAt(start + i - 2) === cb && ca !== cb) cost = Math.min(cost, twoBack[j - 2]! + UNIT);
      current[j] = cost;
      if (cost < rowMin) rowMin = cost;
    }
    if (to < m) current[to + 1] = BEYOND;
    if (rowMin > limit) return Infinity;
    // Rotated without an array: this runs once per row of millions of tables.
    const spare = twoBack;
    twoBack = previous;
    previous = current;
    current = spare;
  }
  const distance = previous[m]!;
  return distance > limit ? Infinity : distance / UNIT;
}
