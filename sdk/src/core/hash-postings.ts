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

  /** Takes ownership of the arrays (they are sorted in place, with scratch copies). */
  constructor(hashes: Uint32Array, values: Uint32Array, tags: Uint32Array | null = null) {
    [this.hashes, this.values, this.tags] = sortByHash(hashes, values, tags);
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

/**
 * The arrays ordered by the top 24 bits of the hash (enough to make the entries of one hash
 * neighbours, see `first`): an LSD radix sort on 8-bit digits (three passes) that moves the
 * entries themselves, so every pass reads its input in order. Fewer, wider digits take fewer
 * passes but scatter each pass's writes over 65,536 places, and measured slower on tens of
 * millions of entries (docs/decisions.md §18).
 */
function sortByHash(hashes: Uint32Array, values: Uint32Array, tags: Uint32Array | null): [Uint32Array, Uint32Array, Uint32Array | null] {
  // Below a few hundred entries the radix passes cost more than a plain sort.
  if (hashes.length < 512) {
    const order = Array.from(hashes.keys()).sort((a, b) => hashes[a]! - hashes[b]! || a - b);
    return [Uint32Array.from(order, (i) => hashes[i]!), Uint32Array.from(order, (i) => values[i]!), tags && Uint32Array.from(order, (i) => tags[i]!)];
  }
  let [keysIn, valuesIn, tagsIn]: [Uint32Array, Uint32Array, Uint32Array | null] = [hashes, values, tags];
  let [keysOut, valuesOut, tagsOut]: [Uint32Array, Uint32Array, Uint32Array | null] = [
    new Uint32Array(hashes.length),
    new Uint32Array(hashes.length),
    tags && new Uint32Array(hashes.length),
  ];
  const counts = new Uint32Array(257);
  for (let shift = 8; shift < 32; shift += 8) {
    counts.fill(0);
    for (let i = 0; i < keysIn.length; i++) counts[((keysIn[i]! >>> shift) & 0xff) + 1]!++;
    for (let digit = 0; digit < 256; digit++) counts[digit + 1]! += counts[digit]!;
    for (let i = 0; i < keysIn.length; i++) {
      const hash = keysIn[i]!;
      const at = counts[(hash >>> shift) & 0xff]!++;
      keysOut[at] = hash;
      valuesOut[at] = valuesIn[i]!;
      if (tagsIn) tagsOut![at] = tagsIn[i]!;
    }
    [keysIn, keysOut] = [keysOut, keysIn];
    [valuesIn, valuesOut] = [valuesOut, valuesIn];
    [tagsIn, tagsOut] = [tagsOut, tagsIn];
  }
  return [keysIn, valuesIn, tagsIn];
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
