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

let codesA = new Uint16Array(64);
let codesB = new Uint16Array(64);

/** The distance between `a` and `b`, or `Infinity` when it exceeds `bound`. */
export function boundedDistance(a: string, b: string, bound: number): number {
  if (codesA.length < a.length) codesA = new Uint16Array(a.length * 2);
  if (codesB.length < b.length) codesB = new Uint16Array(b.length * 2);
  for (let i = 0; i < a.length; i++) codesA[i] = a.charCodeAt(i);
  for (let i = 0; i < b.length; i++) codesB[i] = b.charCodeAt(i);
  return boundedCodeDistance(codesA, a.length, codesB, b.length, bound);
}

/** The distance between the first `lengthA` codes of `a` and the first `lengthB` of `b`, or `Infinity` when it exceeds `bound`. */
export function boundedCodeDistance(a: Uint16Array, lengthA: number, b: Uint16Array, lengthB: number, bound: number): number {
  const limit = Math.floor(bound * UNIT);
  if (Math.abs(lengthA - lengthB) * UNIT > limit) return Infinity;
  // The common prefix and suffix are skipped by offsets, not slices: a run confirms millions of pairs.
  let start = 0;
  while (start < lengthA && start < lengthB && a[start] === b[start]) start++;
  let endA = lengthA;
  let endB = lengthB;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
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
    const ca = a[start + i - 1]!;
    for (let j = from; j <= to; j++) {
      const cb = b[start + j - 1]!;
      const substitution = ca === cb ? 0 : confusableClass(ca) === confusableClass(cb) ? UNIT / 2 : UNIT;
      let cost = Math.min(previous[j - 1]! + substitution, previous[j]! + UNIT, current[j - 1]! + UNIT);
      if (i > 1 && j > 1 && ca === b[start + j - 2] && a[start + i - 2] === cb && ca !== cb) cost = Math.min(cost, twoBack[j - 2]! + UNIT);
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
