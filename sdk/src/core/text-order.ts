/**
 * Sorting many short texts (keys) in the order of JavaScript's `<`, by UTF-16 code unit.
 * `Array.prototype.sort` spent most of the compare stage comparing strings (docs/decisions.md
 * §7); this is a multikey quicksort (Bentley and Sedgewick), which looks at each code unit a
 * few times and never compares whole strings.
 */

/** Ranges at most this long are finished by insertion sort: partitioning them costs more. */
const INSERTION_BELOW = 12;

/**
 * The indexes of `texts` in ascending order of their texts (JavaScript's `<`), equal texts by
 * index: `texts.map((_, i) => i).sort((i, j) => compare(texts[i], texts[j]) || i - j)`, faster.
 * The texts are packed end to end into one string first, so the sort reads one flat string in
 * order rather than chasing a million string objects.
 */
export function textOrder(texts: readonly string[]): Int32Array {
  const ends = new Uint32Array(texts.length);
  texts.reduce((end, text, i) => (ends[i] = end + text.length), 0);
  const text = texts.join('');
  const startOf = (item: number) => (item === 0 ? 0 : ends[item - 1]!);
  // Code unit `depth` of an item's text, or -1 past its end.
  const codeAt = (item: number, depth: number) => {
    const at = startOf(item) + depth;
    return at < ends[item]! ? text.charCodeAt(at) : -1;
  };
  const items = Int32Array.from(texts.keys());
  // An explicit stack of (lo, hi, depth) ranges: text lengths bound the depth, not the call stack.
  const stack: number[] = [0, items.length, 0];
  while (stack.length > 0) {
    const depth = stack.pop()!;
    const hi = stack.pop()!;
    const lo = stack.pop()!;
    if (hi - lo < 2) continue;
    if (hi - lo < INSERTION_BELOW) {
      insertionSort(items, lo, hi, depth, codeAt);
      continue;
    }
    const pivot = codeAt(items[lo + ((hi - lo) >> 1)]!, depth);
    // Three-way partition on the code unit at `depth`: [lo, lt) below, [lt, gt) equal, [gt, hi) above.
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i < gt) {
      const code = codeAt(items[i]!, depth);
      if (code < pivot) swap(items, lt++, i++);
      else if (code > pivot) swap(items, i, --gt);
      else i++;
    }
    stack.push(lo, lt, depth, gt, hi, depth);
    // Texts equal so far that have ended (-1) are equal texts: by index. The rest go one code unit deeper.
    if (pivot === -1) items.subarray(lt, gt).sort();
    else stack.push(lt, gt, depth + 1);
  }
  return items;
}

function insertionSort(items: Int32Array, lo: number, hi: number, depth: number, codeAt: (item: number, depth: number) => number): void {
  for (let i = lo + 1; i < hi; i++) {
    const item = items[i]!;
    let j = i;
    while (j > lo && compareFrom(items[j - 1]!, item, depth, codeAt) > 0) {
      items[j] = items[j - 1]!;
      j--;
    }
    items[j] = item;
  }
}

/** Compares two texts from code unit `depth` on (the earlier ones are equal); equal texts by item. */
function compareFrom(a: number, b: number, depth: number, codeAt: (item: number, depth: number) => number): number {
  for (let d = depth; ; d++) {
    const x = codeAt(a, d);
    const y = codeAt(b, d);
    if (x !== y) return x - y;
    if (x === -1) return a - b;
  }
}

function swap(items: Int32Array, i: number, j: number): void {
  const item = items[i]!;
  items[i] = items[j]!;
  items[j] = item;
}

/** Entries sorted by their `key` in the order of `<`; entries of equal keys keep their order. */
export function sortedByKey<T extends { readonly key: string }>(entries: readonly T[]): T[] {
  return Array.from(textOrder(entries.map(({ key }) => key)), (i) => entries[i]!);
}

/**
 * `entries` as sortedByKey orders them, without sorting what is in that order already. A
 * database's ORDER BY under byte order (PostgreSQL's "C" collation, DuckDB's default) gives
 * UTF-16 order except between characters past U+FFFF and those from U+E000 to U+FFFF, so a
 * pushdown engine's lists mostly arrive ordered: checking costs one comparison per entry, where
 * sorting 10M keys' discrepancies held 600 MB of garbage at once (docs/decisions.md §21).
 * Either way, entries of equal keys keep their order.
 */
export function inKeyOrder<T extends { readonly key: string }>(entries: T[]): T[] {
  for (let i = 1; i < entries.length; i++) if (!(entries[i - 1]!.key < entries[i]!.key)) return sortedByKey(entries);
  return entries;
}

/** Whether `entries`, sorted as sortedByKey sorts them, hold one whose key is `key`: a binary search, nothing built. */
export function hasSortedKey(entries: readonly { readonly key: string }[], key: string): boolean {
  const at = firstNotBelow(entries.length, (i) => entries[i]!.key, key);
  return at < entries.length && entries[at]!.key === key;
}

/** The first place in a list of `length` texts sorted by `<` whose text is not below `text` (`length` if none): a binary search. */
export function firstNotBelow(length: number, textAt: (place: number) => string, text: string): number {
  let low = 0;
  let high = length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (textAt(middle) < text) low = middle + 1;
    else high = middle;
  }
  return low;
}
