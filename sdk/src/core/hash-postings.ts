/**
 * A multimap from 32-bit hashes to numbers (positions of out-of-authority keys), each with an
 * optional 32-bit tag (what the entry was made from), as flat arrays sorted by hash plus a
 * directory on the top 16 bits: keys with dozens of entries each fit in typed arrays, build
 * with a radix sort and answer a lookup in a few steps. A bit filter in front answers most
 * lookups that find nothing — most of them, as the authority's keys stream past — from one
 * read in an array small enough to stay in cache. Hashes collide, so whoever looks up
 * confirms each value.
 */
export class HashPostings {
  private readonly hashes: Uint32Array;
  private readonly values: Uint32Array;
  private readonly tags: Uint32Array | null;
  /** bucketStart[b] = first entry whose hash's top bits are b; about one bucket per entry, at most 2^16. */
  private readonly bucketStart: Uint32Array;
  private readonly shift: number;
  /** Bit (hash & filterMask) is set when some entry's hash has those low bits: about 8 bits per entry, so about one miss in ten reads on. */
  private readonly filter: Uint32Array;
  private readonly filterMask: number;

  /** Takes ownership of the arrays (the sort overwrites them); `sorted` when they are in sortByHash's order already. */
  constructor(hashes: Uint32Array, values: Uint32Array, tags: Uint32Array | null = null, sorted = false) {
    ({ hashes: this.hashes, values: this.values, tags: this.tags } = sorted ? { hashes, values, tags } : sortByHash({ hashes, values, tags }));
    const bits = Math.min(16, Math.max(1, Math.ceil(Math.log2(this.hashes.length + 1))));
    this.shift = 32 - bits;
    this.bucketStart = new Uint32Array((1 << bits) + 1);
    for (let i = 0; i < this.hashes.length; i++) this.bucketStart[(this.hashes[i]! >>> this.shift) + 1]!++;
    for (let b = 0; b < 1 << bits; b++) this.bucketStart[b + 1]! += this.bucketStart[b]!;
    const filterBits = Math.min(30, Math.max(5, Math.ceil(Math.log2(this.hashes.length + 1)) + 3));
    this.filterMask = 2 ** filterBits - 1;
    this.filter = new Uint32Array(2 ** (filterBits - 5));
    for (let i = 0; i < this.hashes.length; i++) {
      const bit = this.hashes[i]! & this.filterMask;
      this.filter[bit >>> 5]! |= 1 << (bit & 31);
    }
  }

  get size(): number {
    return this.hashes.length;
  }

  /** Calls `visit` with every value stored under `hash`. */
  forEach(hash: number, visit: (value: number) => void): void {
    for (let entry = this.first(hash); entry >= 0; entry = this.next(entry, hash)) visit(this.values[entry]!);
  }

  /**
   * The first entry stored under `hash`, or -1; `next` gives the others. Entries are ordered
   * by their hash's top 24 bits only (one radix pass fewer), so those of one hash lie among
   * the few that share its top bits.
   */
  first(hash: number): number {
    const bit = hash & this.filterMask;
    if ((this.filter[bit >>> 5]! & (1 << (bit & 31))) === 0) return -1;
    const bucket = hash >>> this.shift;
    const top = hash >>> 8;
    let low = this.bucketStart[bucket]!;
    let high = this.bucketStart[bucket + 1]!;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.hashes[middle]! >>> 8 < top) low = middle + 1;
      else high = middle;
    }
    return this.hashes[low] === hash ? low : this.next(low, hash);
  }

  /** The entry after `entry` stored under `hash`, or -1. */
  next(entry: number, hash: number): number {
    const top = hash >>> 8;
    for (let at = entry + 1; at < this.hashes.length && this.hashes[at]! >>> 8 === top; at++) if (this.hashes[at] === hash) return at;
    return -1;
  }

  valueAt(entry: number): number {
    return this.values[entry]!;
  }

  /** The entry's tag (0 when the postings were built without tags). */
  tagAt(entry: number): number {
    return this.tags ? this.tags[entry]! : 0;
  }
}

/** A hash, the value stored under it and its tag (if tagged) at each index of three parallel arrays. */
interface Postings {
  readonly hashes: Uint32Array;
  readonly values: Uint32Array;
  readonly tags: Uint32Array | null;
}

/** Below this many entries the radix passes cost more than a plain sort. */
const RADIX_SORT_MIN = 512;

/**
 * The postings ordered by the top 24 bits of the hash (enough to make the entries of one hash
 * neighbours, see `first`), stably (entries of one hash keep the order they were added in,
 * which is the order a lookup visits them): a radix sort on 8-bit digits that moves the
 * entries themselves. One pass on the top digit splits them into 256 buckets, each of which is
 * then sorted on the two lower digits (LSD) on its own: a bucket is 1/256 of the arrays, a
 * few megabytes at tens of millions of entries, so its passes mostly stay in cache, where
 * three passes over the whole arrays each scattered their writes over 256 places of hundreds
 * of megabytes. Fewer, wider digits scatter over 65,536 places and measured slower
 * (docs/decisions.md §18). The input arrays are overwritten: they are the buckets' scratch
 * space, so no second scratch copy is allocated. Exported for its test.
 */
export function sortByHash(input: Postings): Postings {
  const { hashes, values, tags } = input;
  if (hashes.length < RADIX_SORT_MIN) {
    const order = Array.from(hashes.keys()).sort((a, b) => hashes[a]! - hashes[b]! || a - b);
    return { hashes: Uint32Array.from(order, (i) => hashes[i]!), values: Uint32Array.from(order, (i) => values[i]!), tags: tags && Uint32Array.from(order, (i) => tags[i]!) };
  }
  const sorted: Postings = { hashes: new Uint32Array(hashes.length), values: new Uint32Array(hashes.length), tags: tags && new Uint32Array(hashes.length) };
  const bucketEnd = new Uint32Array(257);
  moveByDigit(input, sorted, 0, hashes.length, 24, bucketEnd);
  const digitEnd = new Uint32Array(257);
  for (let bucket = 0; bucket < 256; bucket++) {
    const start = bucket === 0 ? 0 : bucketEnd[bucket - 1]!;
    const end = bucketEnd[bucket]!;
    if (end - start < 2) continue;
    moveByDigit(sorted, input, start, end, 8, digitEnd);
    moveByDigit(input, sorted, start, end, 16, digitEnd);
  }
  return sorted;
}

/**
 * Moves the entries from `start` to `end` of `from` to `to` from `toStart` on (by default the
 * same places), stably ordered by the 8-bit digit of their hash at `shift`. Leaves in
 * `ends[digit]` where that digit's entries end (`ends` has 257 elements: one more for counting).
 */
function moveByDigit(from: Postings, to: Postings, start: number, end: number, shift: number, ends: Uint32Array, toStart = start): void {
  const { hashes: fromHashes, values: fromValues, tags: fromTags } = from;
  const { hashes: toHashes, values: toValues, tags: toTags } = to;
  ends.fill(0);
  ends[0] = toStart;
  for (let i = start; i < end; i++) ends[((fromHashes[i]! >>> shift) & 0xff) + 1]!++;
  for (let digit = 0; digit < 256; digit++) ends[digit + 1]! += ends[digit]!;
  // ends[digit] is now where the digit's entries start; each one moved advances it to their end.
  for (let i = start; i < end; i++) {
    const hash = fromHashes[i]!;
    const at = ends[(hash >>> shift) & 0xff]!++;
    toHashes[at] = hash;
    toValues[at] = fromValues[i]!;
    if (fromTags) toTags![at] = fromTags[i]!;
  }
}

/** Growable typed arrays, for collecting postings (with tags when `tagged`) before they are sealed. */
export class PostingsBuilder {
  private hashes: Uint32Array;
  private values: Uint32Array;
  private tags: Uint32Array | null;
  private count = 0;

  constructor(expected = 1024, tagged = false) {
    this.hashes = new Uint32Array(Math.max(16, expected));
    this.values = new Uint32Array(Math.max(16, expected));
    this.tags = tagged ? new Uint32Array(Math.max(16, expected)) : null;
  }

  add(hash: number, value: number, tag = 0): void {
    if (this.count === this.hashes.length) {
      const grow = (array: Uint32Array) => {
        const bigger = new Uint32Array(array.length * 2);
        bigger.set(array);
        return bigger;
      };
      this.hashes = grow(this.hashes);
      this.values = grow(this.values);
      if (this.tags) this.tags = grow(this.tags);
    }
    this.hashes[this.count] = hash >>> 0;
    if (this.tags) this.tags[this.count] = tag >>> 0;
    this.values[this.count++] = value;
  }

  seal(): HashPostings {
    return new HashPostings(this.hashes.subarray(0, this.count), this.values.subarray(0, this.count), this.tags?.subarray(0, this.count) ?? null);
  }
}

/**
 * Postings counted before they are added: a first pass gives `count` every hash, then `add`
 * takes the same entries in the same order. Each entry goes straight to its top digit's place
 * in arrays of the exact size — sortByHash's first pass, done as entries come — and `seal`
 * sorts each digit's entries on the two lower digits through a scratch as big as the largest
 * digit's share (about 1/256 of them). The result is sortByHash's order without its second copy
 * of every array: for the match index's deletion entries, most of its 455 MB
 * at 10M keys × 5, that copy set the peak of a run (docs/decisions.md §18).
 */
export class CountedPostingsBuilder {
  private readonly digitEnds = new Uint32Array(257);
  private postings: Postings | null = null;
  private next: Uint32Array | null = null;

  constructor(private readonly tagged: boolean) {}

  /** First pass: one more entry under `hash`. */
  count(hash: number): void {
    this.digitEnds[((hash >>> 24) & 0xff) + 1]!++;
  }

  /** Second pass: the entries counted, in the same order. */
  add(hash: number, value: number, tag = 0): void {
    if (!this.next) this.startAdding();
    const at = this.next![hash >>> 24]!++;
    this.postings!.hashes[at] = hash >>> 0;
    this.postings!.values[at] = value;
    if (this.postings!.tags) this.postings!.tags[at] = tag >>> 0;
  }

  seal(): HashPostings {
    if (!this.next) this.startAdding();
    const postings = this.postings!;
    const ends = this.digitEnds;
    for (let digit = 0; digit < 256; digit++) {
      if (this.next![digit] !== ends[digit + 1]) throw new Error('CountedPostingsBuilder: the entries added are not those counted');
    }
    let largest = 0;
    for (let digit = 0; digit < 256; digit++) largest = Math.max(largest, ends[digit + 1]! - ends[digit]!);
    const scratch: Postings = { hashes: new Uint32Array(largest), values: new Uint32Array(largest), tags: this.tagged ? new Uint32Array(largest) : null };
    const digitEnds = new Uint32Array(257);
    for (let digit = 0; digit < 256; digit++) {
      const start = ends[digit]!;
      const end = ends[digit + 1]!;
      if (end - start < 2) continue;
      moveByDigit(postings, scratch, start, end, 8, digitEnds, 0);
      moveByDigit(scratch, postings, 0, end - start, 16, digitEnds, start);
    }
    return new HashPostings(postings.hashes, postings.values, postings.tags, true);
  }

  private startAdding(): void {
    const ends = this.digitEnds;
    for (let digit = 0; digit < 256; digit++) ends[digit + 1]! += ends[digit]!;
    const total = ends[256]!;
    this.postings = { hashes: new Uint32Array(total), values: new Uint32Array(total), tags: this.tagged ? new Uint32Array(total) : null };
    this.next = ends.slice(0, 256);
  }
}
