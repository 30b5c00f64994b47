/**
 * The keys one system holds: each normalised key once, with its first raw form and line,
 * every distinct raw form for keys that have several (duplicates), and a count of rows
 * that only repeated a raw key. Built row by row (`add`), then sealed.
 *
 * Sealed, it is a handful of flat arrays sorted by a 32-bit hash of the key — no Map, no
 * per-key objects — so that:
 * - comparing systems is a linear merge over typed arrays (core/compare.ts);
 * - a worker thread can build it and hand it over by transferring buffers, and
 * - a snapshot of it loads for incremental mode without touching each key.
 * Equal hashes are resolved by comparing the keys themselves, so results are exact.
 */
import type { NormalizedKey, RowLocator, Sighting, SystemId } from './types.js';

/** The sealed form: what crosses a worker boundary and what a snapshot stores. */
export interface KeyIndexData {
  readonly system: SystemId;
  /** Ascending; ties ordered by key. */
  readonly hashes: Uint32Array;
  /** Every key concatenated, in hash order; keyEnds[i] is where key i ends. */
  readonly keyText: string;
  readonly keyEnds: Uint32Array;
  /**
   * The key positions, ascending, whose first raw form differs from the key, and those raw
   * forms concatenated (rawEnds[i] is where the i-th ends). Flat arrays, not pairs: in messy
   * data most keys have one, and pairs cost a structured clone per worker and a JSON parse
   * per snapshot that flat arrays do not.
   */
  readonly rawPositions: Uint32Array;
  readonly rawText: string;
  readonly rawEnds: Uint32Array;
  /** Key position → first locator, when it is a whole number from 0 to 2^32-1 (every CSV line). */
  readonly firstLines: Uint32Array;
  /**
   * Key position → first locator, for the positions whose locator firstLines cannot hold (a
   * text primary key, a negative or very large rowid); absent when there are none, so a CSV
   * source pays nothing for it.
   */
  readonly locators?: readonly (readonly [number, RowLocator])[];
  /** Key position → every distinct raw form in file order, for keys with more than one. */
  readonly duplicates: readonly (readonly [number, readonly Sighting[]])[];
  readonly repeatedRows: number;
}

interface PendingRows {
  readonly keys: string[];
  readonly raws: string[];
  readonly lines: RowLocator[];
}

export class KeyIndex {
  private pending: PendingRows | null = { keys: [], raws: [], lines: [] };
  private sealed: KeyIndexData | null = null;
  private duplicateMap: Map<number, readonly Sighting[]> | null = null;
  private locatorMap: Map<number, RowLocator> | null = null;

  constructor(readonly system: SystemId) {}

  static fromData(data: KeyIndexData): KeyIndex {
    const index = new KeyIndex(data.system);
    index.pending = null;
    index.sealed = data;
    return index;
  }

  /** Records one row. Rows must all be added before the index is first read. */
  add(key: NormalizedKey, raw: string, line: RowLocator): void {
    if (!this.pending) throw new Error(`KeyIndex for ${this.system} is sealed; add rows before reading it`);
    this.pending.keys.push(key);
    // The same string object when unchanged: clean data costs one string per row.
    this.pending.raws.push(raw === key ? key : raw);
    this.pending.lines.push(line);
  }

  /** The sealed arrays (sealing on first use). */
  get data(): KeyIndexData {
    if (!this.sealed) {
      this.sealed = sealRows(this.system, this.pending!);
      this.pending = null;
    }
    return this.sealed;
  }

  get size(): number {
    return this.data.hashes.length;
  }

  get repeatedRows(): number {
    return this.data.repeatedRows;
  }

  keyAt(position: number): NormalizedKey {
    const { keyText, keyEnds } = this.data;
    return keyText.slice(position === 0 ? 0 : keyEnds[position - 1], keyEnds[position]);
  }

  rawAt(position: number): string {
    const { rawPositions, rawText, rawEnds } = this.data;
    let low = 0;
    let high = rawPositions.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (rawPositions[middle]! < position) low = middle + 1;
      else high = middle;
    }
    if (rawPositions[low] !== position) return this.keyAt(position);
    return rawText.slice(low === 0 ? 0 : rawEnds[low - 1], rawEnds[low]);
  }

  /** Position of a key, or -1. */
  find(key: NormalizedKey): number {
    const { hashes } = this.data;
    const hash = hashKey(key);
    let low = 0;
    let high = hashes.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (hashes[middle]! < hash) low = middle + 1;
      else high = middle;
    }
    for (let position = low; position < hashes.length && hashes[position] === hash; position++) {
      if (this.keyAt(position) === key) return position;
    }
    return -1;
  }

  has(key: NormalizedKey): boolean {
    return this.find(key) >= 0;
  }

  *keys(): IterableIterator<NormalizedKey> {
    for (let position = 0; position < this.size; position++) yield this.keyAt(position);
  }

  /** The locator of the first row holding the key at a position. */
  locatorAt(position: number): RowLocator {
    if (this.data.locators === undefined) return this.data.firstLines[position]!;
    this.locatorMap ??= new Map(this.data.locators);
    return this.locatorMap.get(position) ?? this.data.firstLines[position]!;
  }

  /** Every distinct raw form of the key at a position, in file order. */
  sightingsAt(position: number): readonly Sighting[] {
    return this.duplicates().get(position) ?? [{ raw: this.rawAt(position), line: this.locatorAt(position) }];
  }

  /** Every distinct raw form of a key, in file order; empty when the system lacks the key. */
  sightings(key: NormalizedKey): readonly Sighting[] {
    const position = this.find(key);
    return position < 0 ? [] : this.sightingsAt(position);
  }

  private duplicates(): Map<number, readonly Sighting[]> {
    this.duplicateMap ??= new Map(this.data.duplicates);
    return this.duplicateMap;
  }
}

/** FNV-1a over UTF-16 code units. */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** Whether key `i` of `a` equals key `j` of `b`, without allocating either. */
export function sameKey(a: KeyIndexData, i: number, b: KeyIndexData, j: number): boolean {
  const aStart = i === 0 ? 0 : a.keyEnds[i - 1]!;
  const bStart = j === 0 ? 0 : b.keyEnds[j - 1]!;
  const length = a.keyEnds[i]! - aStart;
  if (length !== b.keyEnds[j]! - bStart) return false;
  for (let k = 0; k < length; k++) {
    if (a.keyText.charCodeAt(aStart + k) !== b.keyText.charCodeAt(bStart + k)) return false;
  }
  return true;
}

function sealRows(system: SystemId, rows: PendingRows): KeyIndexData {
  const count = rows.keys.length;
  const rowHashes = new Uint32Array(count);
  for (let row = 0; row < count; row++) rowHashes[row] = hashKey(rows.keys[row]!);
  const order = sortByHash(rowHashes);

  const hashes = new Uint32Array(count);
  const lines = new Uint32Array(count);
  const keys: string[] = [];
  const rawPositions: number[] = [];
  const raws: string[] = [];
  const duplicates: [number, Sighting[]][] = [];
  const locators: [number, RowLocator][] = [];
  let repeatedRows = 0;
  const addKey = (hash: number, row: number): number => {
    const position = keys.length;
    hashes[position] = hash;
    const locator = rows.lines[row]!;
    if (typeof locator === 'number' && locator >>> 0 === locator) lines[position] = locator;
    else locators.push([position, locator]);
    const key = rows.keys[row]!;
    keys.push(key);
    if (rows.raws[row] !== key) {
      rawPositions.push(position);
      raws.push(rows.raws[row]!);
    }
    return position;
  };
  for (let start = 0; start < count; ) {
    const hash = rowHashes[order[start]!]!;
    let end = start + 1;
    while (end < count && rowHashes[order[end]!] === hash) end++;
    if (end === start + 1) {
      // Nearly every key: one row, nothing to group (no allocation on this path).
      addKey(hash, order[start]!);
    } else {
      // Rows of one key share a hash and, the sort being stable, keep their file order.
      for (const group of groupByKey(rows, order.subarray(start, end))) {
        const distinct = distinctRaws(rows, group);
        repeatedRows += group.length - distinct.length;
        const position = addKey(hash, group[0]!);
        if (distinct.length > 1) duplicates.push([position, distinct]);
      }
    }
    start = end;
  }
  return {
    system,
    hashes: hashes.slice(0, keys.length),
    keyText: keys.join(''),
    keyEnds: cumulativeLengths(keys),
    rawPositions: Uint32Array.from(rawPositions),
    rawText: raws.join(''),
    rawEnds: cumulativeLengths(raws),
    firstLines: lines.slice(0, keys.length),
    duplicates,
    repeatedRows,
    ...(locators.length > 0 ? { locators } : {}),
  };
}

/** The rows of one hash run split by key (usually one key), keys in code-unit order. */
function groupByKey(rows: PendingRows, run: Uint32Array): number[][] {
  const byKey = new Map<string, number[]>();
  for (const row of run) {
    const key = rows.keys[row]!;
    const group = byKey.get(key);
    if (group) group.push(row);
    else byKey.set(key, [row]);
  }
  return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
}

function distinctRaws(rows: PendingRows, group: readonly number[]): Sighting[] {
  const seen = new Set<string>();
  const distinct: Sighting[] = [];
  for (const row of group) {
    const raw = rows.raws[row]!;
    if (seen.has(raw)) continue;
    seen.add(raw);
    distinct.push({ raw, line: rows.lines[row]! });
  }
  return distinct;
}

function cumulativeLengths(texts: readonly string[]): Uint32Array {
  const ends = new Uint32Array(texts.length);
  let end = 0;
  for (let i = 0; i < texts.length; i++) ends[i] = end += texts[i]!.length;
  return ends;
}

/** Row order sorted by hash, stable: a two-pass LSD radix sort on 16-bit digits. */
function sortByHash(hashes: Uint32Array): Uint32Array {
  let order = new Uint32Array(hashes.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  let scratch = new Uint32Array(hashes.length);
  for (const shift of [0, 16]) {
    const counts = new Uint32Array(65_537);
    for (let i = 0; i < order.length; i++) counts[((hashes[order[i]!]! >>> shift) & 0xffff) + 1]!++;
    for (let digit = 0; digit < 65_536; digit++) counts[digit + 1]! += counts[digit]!;
    for (let i = 0; i < order.length; i++) {
      const row = order[i]!;
      scratch[counts[(hashes[row]! >>> shift) & 0xffff]!++] = row;
    }
    [order, scratch] = [scratch, order];
  }
  return order;
}
