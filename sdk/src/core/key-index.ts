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

/**
 * The sealed form with its two texts still as code units — one byte each when every unit fits
 * in one — so that every part is a buffer: what a read worker transfers (KeyIndex.fromParts).
 * Sending the texts as strings cost the worker a copy to flatten each and another to
 * serialise it, and the main thread a third to read it back; bytes are moved, not copied,
 * and become a string in one copy.
 */
export interface KeyIndexParts extends Omit<KeyIndexData, 'keyText' | 'rawText'> {
  readonly keyCodes: Uint8Array | Uint16Array;
  readonly rawCodes: Uint8Array | Uint16Array;
}

/** FNV-1a's 32-bit offset basis and prime: the key hash (`hashKey`), computed also as rows are added. */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * Texts one after another in one growing array of code units. Rows keep their keys and
 * raw forms here rather than as a string each: a million strings held until the index is
 * sealed cost the garbage collector more than parsing them, and sealing read them in hash
 * order, one scattered heap object after another (docs/decisions.md §7).
 */
class TextArena {
  /** One byte per code unit until a text needs two (Latin-1 keys, the common case, take half the memory). */
  private codes: Uint8Array | Uint16Array = new Uint8Array(1 << 14);
  private used = 0;
  private ends = new Uint32Array(1 << 10);
  count = 0;
  /** hashKey of the text pushed last, computed as it is copied. */
  lastHash = 0;
  /** Every code unit pushed, or-ed: above 0xff when some text needs two bytes per unit. */
  private unitBits = 0;

  /** Makes room for `codes` code units in all, so that pushing up to that many copies nothing. */
  reserve(codes: number): void {
    if (codes > this.codes.length) this.codes = resized(this.codes, codes);
  }

  /** Appends a text; returns its number. */
  push(text: string): number {
    if (this.used + text.length > this.codes.length) this.codes = grown(this.codes, this.used + text.length);
    const { codes, used } = this;
    let hash = FNV_OFFSET;
    let unitBits = this.unitBits;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      codes[used + i] = code;
      unitBits |= code;
      hash = Math.imul(hash ^ code, FNV_PRIME);
    }
    if (unitBits > 0xff && codes instanceof Uint8Array) {
      // The first text wider than Latin-1: every unit so far is widened, and this text copied again.
      const wide = new Uint16Array(codes.length);
      wide.set(codes.subarray(0, used));
      for (let i = 0; i < text.length; i++) wide[used + i] = text.charCodeAt(i);
      this.codes = wide;
    }
    this.unitBits = unitBits;
    this.lastHash = hash >>> 0;
    this.used += text.length;
    if (this.count === this.ends.length) this.ends = grown(this.ends, this.count + 1);
    this.ends[this.count] = this.used;
    return this.count++;
  }

  start(text: number): number {
    return text === 0 ? 0 : this.ends[text - 1]!;
  }

  end(text: number): number {
    return this.ends[text]!;
  }

  /** Copies a text to `into` (an array of bytes only when the arena is `oneByte`) at `at`; returns where it ends there. */
  copy(text: number, into: Uint8Array | Uint16Array, at: number): number {
    const { codes } = this;
    // A loop, not set(subarray(…)): keys are short, and a subarray per key costs more than its copy.
    for (let i = this.start(text), end = this.end(text); i < end; i++) into[at++] = codes[i]!;
    return at;
  }

  get codeCount(): number {
    return this.used;
  }

  /** The arrays the texts are in, for sealing to write over once the hash order holds a copy (room for codeCount units and count texts at least). */
  recycled(): { readonly codes: Uint8Array | Uint16Array; readonly ends: Uint32Array } {
    return { codes: this.codes, ends: this.ends };
  }

  /** Whether every code unit pushed fits in one byte (Latin-1). */
  get oneByte(): boolean {
    return this.unitBits <= 0xff;
  }
}

/** Rows as added: key `row` of `keys` is the row's key; its raw form is `raws` text `rawOf[row]`, or the key itself when -1. */
class PendingRows {
  readonly keys = new TextArena();
  readonly raws = new TextArena();
  rawOf = new Int32Array(1 << 10);
  hashes = new Uint32Array(1 << 10);
  /** Locators that are whole numbers from 0 to 2^32-1 (every CSV line); the others are in `otherLocators`. */
  lines = new Uint32Array(1 << 10);
  otherLocators: Map<number, RowLocator> | null = null;
  /** The rows expected in all (KeyIndex.expectRows), 0 when unknown. */
  private expectedRows = 0;

  get count(): number {
    return this.keys.count;
  }

  /**
   * Sizes the row arrays for `rows` rows, and the text arenas once SAMPLE_ROWS rows show how
   * long keys and raw forms are. Doubling as they fill allocated and copied about twice the
   * final size, and held the old and the new array at once while copying (docs/decisions.md §7).
   */
  expectRows(rows: number): void {
    this.expectedRows = withMargin(rows);
    if (this.expectedRows > this.hashes.length) {
      this.hashes = resized(this.hashes, this.expectedRows);
      this.rawOf = resized(this.rawOf, this.expectedRows);
      this.lines = resized(this.lines, this.expectedRows);
    }
    if (this.count >= SAMPLE_ROWS) this.reserveText();
  }

  /** Room in the arenas for the expected rows, at the code units per row seen so far. */
  private reserveText(): void {
    const perRow = this.expectedRows / this.count;
    this.keys.reserve(Math.ceil(this.keys.codeCount * perRow));
    this.raws.reserve(Math.ceil(this.raws.codeCount * perRow));
  }

  add(key: string, raw: string, line: RowLocator): void {
    const row = this.keys.push(key);
    if (row === this.hashes.length) {
      this.hashes = grown(this.hashes, row + 1);
      this.rawOf = grown(this.rawOf, row + 1);
      this.lines = grown(this.lines, row + 1);
    }
    this.hashes[row] = this.keys.lastHash;
    this.rawOf[row] = raw === key ? -1 : this.raws.push(raw);
    if (typeof line === 'number' && line >>> 0 === line) this.lines[row] = line;
    else (this.otherLocators ??= new Map()).set(row, line);
    if (row + 1 === SAMPLE_ROWS && this.expectedRows > SAMPLE_ROWS) this.reserveText();
  }
}

/** Rows added before the arenas are sized from an expected row count: enough to average key lengths over. */
const SAMPLE_ROWS = 4096;

/** An estimate with 1/16 more, so that one a little low still fits and no array is doubled. */
function withMargin(estimate: number): number {
  return Math.ceil(estimate + estimate / 16);
}

/** A copy of a typed array with room for at least `needed` elements, doubling. */
function grown<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(array: T, needed: number): T {
  return resized(array, Math.max(needed, array.length * 2));
}

/** A copy of a typed array with room for `length` elements. */
function resized<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(array: T, length: number): T {
  const bigger = new (array.constructor as new (length: number) => T)(length);
  bigger.set(array);
  return bigger;
}

/** The code units `codes[start, end)` as a string, in chunks (String.fromCharCode takes a bounded number of arguments). */
function codesToText(codes: Uint8Array | Uint16Array, start: number, end: number): string {
  let text = '';
  for (let i = start; i < end; i += 8192) text += String.fromCharCode.apply(null, codes.subarray(i, Math.min(end, i + 8192)) as unknown as number[]);
  return text;
}

export class KeyIndex {
  private pending: PendingRows | null = new PendingRows();
  private sealed: KeyIndexData | null = null;
  private duplicateMap: Map<number, readonly Sighting[]> | null = null;
  private locatorMap: Map<number, RowLocator> | null = null;
  /** Set once the arrays are let go (`release`): what is still answered. */
  private released: { readonly size: number; readonly repeatedRows: number } | null = null;

  constructor(readonly system: SystemId) {}

  static fromData(data: KeyIndexData): KeyIndex {
    const index = new KeyIndex(data.system);
    index.pending = null;
    index.sealed = data;
    return index;
  }

  /**
   * A hint: about how many rows will be added (an estimate, high or low), so that the arrays
   * rows are added to are sized once instead of doubled as they fill. The sealed index does not
   * depend on it.
   */
  expectRows(rows: number): void {
    if (!this.pending) throw new Error(`KeyIndex for ${this.system} is sealed; add rows before reading it`);
    this.pending.expectRows(rows);
  }

  /** Records one row. Rows must all be added before the index is first read. */
  add(key: NormalizedKey, raw: string, line: RowLocator): void {
    if (!this.pending) throw new Error(`KeyIndex for ${this.system} is sealed; add rows before reading it`);
    this.pending.add(key, raw, line);
  }

  /** An index sealed in a worker, from the parts it transferred. */
  static fromParts(parts: KeyIndexParts): KeyIndex {
    return KeyIndex.fromData(withTexts(parts));
  }

  /** The sealed arrays (sealing on first use). */
  get data(): KeyIndexData {
    if (this.released) throw new Error(`KeyIndex for ${this.system} was released; only its size and repeated rows remain`);
    this.sealed ??= withTexts(this.seal());
    return this.sealed;
  }

  /**
   * Lets the arrays go, keeping the size and repeated rows: a downstream system's index is done
   * with once compared (core/compare.ts `findingsOf`), while other sources may still be
   * reading. Nothing else can be read from it after.
   */
  release(): void {
    this.released = { size: this.size, repeatedRows: this.repeatedRows };
    this.pending = null;
    this.sealed = null;
    this.duplicateMap = null;
    this.locatorMap = null;
  }

  /** Seals the index as parts, for a worker to transfer; the index is not read after. */
  seal(): KeyIndexParts {
    if (!this.pending) throw new Error(`KeyIndex for ${this.system} is already sealed`);
    const pending = this.pending;
    this.pending = null;
    // The hash order holds a copy of the rows, so the sealed arrays are written over the arrays
    // the rows were added to: no fresh memory for them (docs/decisions.md §7).
    const ordered = new HashOrder(pending);
    return sealRows(this.system, ordered, sealTargets(pending));
  }

  get size(): number {
    return this.released?.size ?? this.data.hashes.length;
  }

  get repeatedRows(): number {
    return this.released?.repeatedRows ?? this.data.repeatedRows;
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

  /**
   * keyAt and sightingsAt as strings of their own. V8 makes a substring of 13 or more
   * characters a view into the string it was cut from, so one key kept from an index would
   * keep the whole key text alive (120 MB per 10M keys) after the index is let go.
   */
  ownKeyAt(position: number): NormalizedKey {
    return ownCopy(this.keyAt(position));
  }

  ownSightingsAt(position: number): Sighting[] {
    return this.sightingsAt(position).map(({ raw, line }) => ({ raw: ownCopy(raw), line }));
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

/** A string equal to `text` that is no view into a larger one (a JSON round trip is exact, lone surrogates too). */
function ownCopy(text: string): string {
  return JSON.parse(JSON.stringify(text)) as string;
}

/** FNV-1a over UTF-16 code units. */
export function hashKey(key: string): number {
  let hash = FNV_OFFSET;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), FNV_PRIME);
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

/** KeyIndexData of parts: each text made in one copy when its units are one byte each. */
function withTexts({ keyCodes, rawCodes, ...arrays }: KeyIndexParts): KeyIndexData {
  return { ...arrays, keyText: textOf(keyCodes), rawText: textOf(rawCodes) };
}

function textOf(codes: Uint8Array | Uint16Array): string {
  if (codes instanceof Uint8Array) return Buffer.from(codes.buffer, codes.byteOffset, codes.length).toString('latin1');
  return codesToText(codes, 0, codes.length);
}

/**
 * Arrays for the sealed index, each with room for what sealing writes to it: the pending rows'
 * own, which sealing overwrites from the start, never reading them (the hash order has
 * copied the rows). Row arrays have room for every row, so for every key; the text arenas for
 * every text added, so for the first raw form of every key; the arenas' ends for every text.
 */
interface SealTargets {
  readonly hashes: Uint32Array;
  readonly lines: Uint32Array;
  readonly keyCodes: Uint8Array | Uint16Array;
  readonly keyEnds: Uint32Array;
  readonly rawCodes: Uint8Array | Uint16Array;
  readonly rawPositions: Uint32Array;
  readonly rawEnds: Uint32Array;
}

function sealTargets(rows: PendingRows): SealTargets {
  const keys = rows.keys.recycled();
  const raws = rows.raws.recycled();
  return {
    hashes: rows.hashes,
    lines: rows.lines,
    keyCodes: keys.codes,
    keyEnds: new Uint32Array(rows.rawOf.buffer, rows.rawOf.byteOffset, rows.rawOf.length),
    rawCodes: raws.codes,
    rawPositions: keys.ends,
    rawEnds: raws.ends,
  };
}

function sealRows(system: SystemId, ordered: HashOrder, into: SealTargets): KeyIndexParts {
  const { order, entryHash, count } = ordered;
  const { hashes, lines, keyCodes, keyEnds, rawCodes, rawPositions, rawEnds } = into;
  let keyEnd = 0;
  let rawCount = 0;
  let rawEnd = 0;
  const duplicates: [number, Sighting[]][] = [];
  const locators: [number, RowLocator][] = [];
  let repeatedRows = 0;
  let keyCount = 0;
  const addKey = (hash: number, entry: number): number => {
    const position = keyCount++;
    hashes[position] = hash;
    const locator = ordered.locatorAt(entry);
    if (typeof locator === 'number' && locator >>> 0 === locator) lines[position] = locator;
    else {
      // Read from `locators`; the 0 keeps the array free of what the rows left there.
      lines[position] = 0;
      locators.push([position, locator]);
    }
    keyEnds[position] = keyEnd = ordered.copyKey(entry, keyCodes, keyEnd);
    if (ordered.entryRaw[entry]! >= 0) {
      rawPositions[rawCount] = position;
      rawEnds[rawCount++] = rawEnd = ordered.copyRaw(entry, rawCodes, rawEnd);
    }
    return position;
  };
  for (let start = 0; start < count; ) {
    const hash = entryHash[order[start]!]!;
    let end = start + 1;
    while (end < count && entryHash[order[end]!] === hash) end++;
    if (end === start + 1) {
      // Nearly every key: one row, nothing to group (no allocation on this path).
      addKey(hash, order[start]!);
    } else {
      // Rows of one key share a hash and, the sort being stable, keep their file order.
      for (const group of groupByKey(ordered, order.subarray(start, end))) {
        const distinct = distinctRaws(ordered, group);
        repeatedRows += group.length - distinct.length;
        const position = addKey(hash, group[0]!);
        if (distinct.length > 1) duplicates.push([position, distinct]);
      }
    }
    start = end;
  }
  return {
    system,
    hashes: trimmed(hashes, keyCount),
    keyCodes: trimmed(keyCodes, keyEnd),
    keyEnds: trimmed(keyEnds, keyCount),
    rawPositions: trimmed(rawPositions, rawCount),
    rawCodes: trimmed(rawCodes, rawEnd),
    rawEnds: trimmed(rawEnds, rawCount),
    firstLines: trimmed(lines, keyCount),
    duplicates,
    repeatedRows,
    ...(locators.length > 0 ? { locators } : {}),
  };
}

/**
 * The first `length` elements: a view when they are most of the array, so that the usual
 * index (few rows repeat a key) is not copied once more; a copy when a view would keep much
 * unused memory alive.
 */
function trimmed<T extends Uint8Array | Uint16Array | Uint32Array>(array: T, length: number): T {
  return (length >= array.length - (array.length >>> 3) ? array.subarray(0, length) : array.slice(0, length)) as T;
}

/** The rows of one hash run split by key (usually one key), keys in code-unit order. */
function groupByKey(ordered: HashOrder, run: Uint32Array): number[][] {
  const byKey = new Map<string, number[]>();
  for (const entry of run) {
    const key = ordered.keyAt(entry);
    const group = byKey.get(key);
    if (group) group.push(entry);
    else byKey.set(key, [entry]);
  }
  return [...byKey.keys()].sort().map((key) => byKey.get(key)!);
}

function distinctRaws(ordered: HashOrder, group: readonly number[]): Sighting[] {
  const seen = new Set<string>();
  const distinct: Sighting[] = [];
  for (const entry of group) {
    const raw = ordered.rawAt(entry);
    if (seen.has(raw)) continue;
    seen.add(raw);
    distinct.push({ raw, line: ordered.locatorAt(entry) });
  }
  return distinct;
}

/** Rows per bucket of the hash order's first pass: a bucket's keys and arrays stay in cache while it is sorted and gathered. */
const BUCKET_ROWS = 8192;

/**
 * At most 2^8 buckets, however many rows (larger buckets then): the first pass writes each row
 * to its bucket in seven arrays at once, and 2,048 buckets (10M rows) kept more places open for
 * writing than the processor's caches and address translation hold; sealing 9.3M rows took
 * 3.8-4.3 s with 256 buckets against 4.3-5.2 s with 2,048.
 */
const MAX_BUCKET_BITS = 8;

/**
 * The rows in hash order (stable: rows of one hash keep their file order), as entries that
 * carry what sealing reads of a row — hash, key codes, raw form, locator — next to those of
 * their neighbours in that order. Rows are first split by their hash's top bits into buckets
 * of a few thousand, in file order, each row's data copied into its bucket as it goes; each
 * bucket is then sorted on its own (LSD radix on the remaining bits). Sorting rows and then
 * reading each row's key where it was added cost a scattered read per row, which at ten
 * million rows took longer than parsing them (docs/decisions.md §7).
 */
class HashOrder {
  /** Entries in hash order. */
  readonly order: Uint32Array;
  readonly entryHash: Uint32Array;
  /** The entry's raw form's number among the rows' own raw forms, or -1 when it is the key itself. */
  readonly entryRaw: Int32Array;
  /** The entry's row, kept only when some row's locator is in `otherLocators`. */
  private readonly entryRow: Uint32Array | null;
  private readonly entryLine: Uint32Array;
  /**
   * Where each entry's key starts in `codes`, and its own raw form in `rawCodes` (none: of
   * length 0), with one more element for the end. Entries lie in `codes` in entry order, so
   * an entry's text ends where the next one's starts and no array of ends is needed.
   */
  private readonly entryStart: Uint32Array;
  private readonly entryRawStart: Uint32Array;
  private readonly codes: Uint8Array | Uint16Array;
  private readonly rawCodes: Uint8Array | Uint16Array;
  private readonly otherLocators: Map<number, RowLocator> | null;
  readonly count: number;

  constructor(rows: PendingRows) {
    const count = (this.count = rows.count);
    this.otherLocators = rows.otherLocators;
    const bits = count <= BUCKET_ROWS ? 0 : Math.min(MAX_BUCKET_BITS, Math.ceil(Math.log2(count / BUCKET_ROWS)));
    const bucketOf = (hash: number) => (bits === 0 ? 0 : hash >>> (32 - bits));
    const buckets = 1 << bits;
    const bucketStart = new Uint32Array(buckets + 1);
    const codeStart = new Uint32Array(buckets + 1);
    const rawCodeStart = new Uint32Array(buckets + 1);
    for (let row = 0; row < count; row++) {
      const bucket = bucketOf(rows.hashes[row]!);
      bucketStart[bucket + 1]!++;
      codeStart[bucket + 1]! += rows.keys.end(row) - rows.keys.start(row);
      const raw = rows.rawOf[row]!;
      if (raw >= 0) rawCodeStart[bucket + 1]! += rows.raws.end(raw) - rows.raws.start(raw);
    }
    for (let bucket = 0; bucket < buckets; bucket++) {
      bucketStart[bucket + 1]! += bucketStart[bucket]!;
      codeStart[bucket + 1]! += codeStart[bucket]!;
      rawCodeStart[bucket + 1]! += rawCodeStart[bucket]!;
    }
    this.entryHash = new Uint32Array(count);
    this.entryRaw = new Int32Array(count);
    this.entryRow = rows.otherLocators ? new Uint32Array(count) : null;
    this.entryLine = new Uint32Array(count);
    this.entryStart = new Uint32Array(count + 1);
    this.entryRawStart = new Uint32Array(count + 1);
    // One byte per code unit when every text allows it (Latin-1): half the memory.
    this.codes = rows.keys.oneByte ? new Uint8Array(rows.keys.codeCount) : new Uint16Array(rows.keys.codeCount);
    this.rawCodes = rows.raws.oneByte ? new Uint8Array(rows.raws.codeCount) : new Uint16Array(rows.raws.codeCount);
    const nextEntry = bucketStart.slice(0, buckets);
    const nextCode = codeStart.slice(0, buckets);
    const nextRawCode = rawCodeStart.slice(0, buckets);
    for (let row = 0; row < count; row++) {
      const hash = rows.hashes[row]!;
      const bucket = bucketOf(hash);
      const entry = nextEntry[bucket]!++;
      const raw = rows.rawOf[row]!;
      this.entryHash[entry] = hash;
      this.entryRaw[entry] = raw;
      if (this.entryRow) this.entryRow[entry] = row;
      this.entryLine[entry] = rows.lines[row]!;
      this.entryStart[entry] = nextCode[bucket]!;
      nextCode[bucket] = rows.keys.copy(row, this.codes, nextCode[bucket]!);
      this.entryRawStart[entry] = nextRawCode[bucket]!;
      if (raw >= 0) nextRawCode[bucket] = rows.raws.copy(raw, this.rawCodes, nextRawCode[bucket]!);
    }
    this.entryStart[count] = this.codes.length;
    this.entryRawStart[count] = this.rawCodes.length;
    this.order = sortBuckets(this.entryHash, bucketStart, 32 - bits);
  }

  /** Copies an entry's key to `into` at `at`; returns where it ends there. */
  copyKey(entry: number, into: Uint8Array | Uint16Array, at: number): number {
    const { codes } = this;
    for (let i = this.entryStart[entry]!, end = this.entryStart[entry + 1]!; i < end; i++) into[at++] = codes[i]!;
    return at;
  }

  /** Copies an entry's own raw form (`entryRaw[entry]` ≥ 0) to `into` at `at`; returns where it ends there. */
  copyRaw(entry: number, into: Uint8Array | Uint16Array, at: number): number {
    const { rawCodes } = this;
    for (let i = this.entryRawStart[entry]!, end = this.entryRawStart[entry + 1]!; i < end; i++) into[at++] = rawCodes[i]!;
    return at;
  }

  keyAt(entry: number): string {
    return codesToText(this.codes, this.entryStart[entry]!, this.entryStart[entry + 1]!);
  }

  rawAt(entry: number): string {
    return this.entryRaw[entry]! < 0 ? this.keyAt(entry) : codesToText(this.rawCodes, this.entryRawStart[entry]!, this.entryRawStart[entry + 1]!);
  }

  locatorAt(entry: number): RowLocator {
    return (this.entryRow && this.otherLocators?.get(this.entryRow[entry]!)) ?? this.entryLine[entry]!;
  }
}

/**
 * Entry order sorted by hash within each bucket (entries `bucketStart[b]` to `bucketStart[b + 1]`,
 * whose hashes share their top bits), stable: an LSD radix sort on 8-bit digits over the
 * `significantBits` low bits, every bucket one pass at a time.
 */
function sortBuckets(hashes: Uint32Array, bucketStart: Uint32Array, significantBits: number): Uint32Array {
  let order = new Uint32Array(hashes.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  let scratch = new Uint32Array(hashes.length);
  const counts = new Uint32Array(257);
  for (let shift = 0; shift < significantBits; shift += 8) {
    for (let bucket = 0; bucket + 1 < bucketStart.length; bucket++) {
      const start = bucketStart[bucket]!;
      const end = bucketStart[bucket + 1]!;
      if (end - start < 2) {
        if (end > start) scratch[start] = order[start]!;
        continue;
      }
      counts.fill(0);
      for (let i = start; i < end; i++) counts[((hashes[order[i]!]! >>> shift) & 0xff) + 1]!++;
      for (let digit = 0; digit < 256; digit++) counts[digit + 1]! += counts[digit]!;
      for (let i = start; i < end; i++) {
        const entry = order[i]!;
        scratch[start + counts[(hashes[entry]! >>> shift) & 0xff]!++] = entry;
      }
    }
    [order, scratch] = [scratch, order];
  }
  return order;
}
