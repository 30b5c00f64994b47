/**
 * A multimap from 32-bit hashes to numbers (positions of out-of-authority keys), each with an
 * optional 16-bit tag (what the entry was made from), as flat arrays ordered by hash behind a
 * directory with one bucket per value of the hash's top 16 bits. The bucket says those bits,
 * so an entry stores only the low 16: with a 32-bit value and a tag, 8 bytes an entry where
 * whole hashes and 32-bit tags took 12, at tens of millions of deletion entries the bulk of a
 * run's match index (docs/decisions.md §18). A bit filter in front answers most lookups that
 * find nothing — most of them, as the authority's keys stream past — from one read in an
 * array small enough to stay in cache. Hashes collide, so whoever looks up confirms each value.
 */
export class HashPostings {
  /** Made by `HashPostings.of` or a `CountedPostingsBuilder`, which order the entries. */
  constructor(
    /** The low 16 bits of each entry's hash; within a bucket ordered by bits 8–15, one hash's entries in the order added. */
    private readonly lows: Uint16Array,
    private readonly values: Uint32Array,
    private readonly tags: Uint16Array | null,
    /** bucketStart[b] = first entry whose hash's top 16 bits are b. */
    private readonly bucketStart: Uint32Array,
    private readonly filter: HashFilter,
  ) {}

  /** Untagged postings of entries in any order, ordered as a CountedPostingsBuilder orders them. */
  static of(hashes: Uint32Array, values: Uint32Array): HashPostings {
    const builder = new CountedPostingsBuilder(false);
    for (const hash of hashes) builder.count(hash);
    hashes.forEach((hash, i) => builder.add(hash, values[i]!));
    return builder.seal();
  }

  get size(): number {
    return this.lows.length;
  }

  /** Calls `visit` with every value stored under `hash`. */
  forEach(hash: number, visit: (value: number) => void): void {
    for (let entry = this.first(hash); entry >= 0; entry = this.next(entry, hash)) visit(this.values[entry]!);
  }

  /**
   * The first entry stored under `hash`, or -1; `next` gives the others. Entries of a bucket
   * are ordered by bits 8–15 only (a radix pass fewer), so those of one hash lie among the few
   * that share them.
   */
  first(hash: number): number {
    if (!this.filter.mayHave(hash)) return -1;
    const bucket = hash >>> 16;
    const middle = (hash >>> 8) & 0xff;
    let low = this.bucketStart[bucket]!;
    let high = this.bucketStart[bucket + 1]!;
    const end = high;
    while (low < high) {
      const at = (low + high) >>> 1;
      if (this.lows[at]! >>> 8 < middle) low = at + 1;
      else high = at;
    }
    return this.entryFrom(low, end, hash & 0xffff);
  }

  /** The entry after `entry` stored under `hash`, or -1. */
  next(entry: number, hash: number): number {
    return this.entryFrom(entry + 1, this.bucketStart[(hash >>> 16) + 1]!, hash & 0xffff);
  }

  valueAt(entry: number): number {
    return this.values[entry]!;
  }

  /** The entry's tag (0 when the postings were built without tags). */
  tagAt(entry: number): number {
    return this.tags ? this.tags[entry]! : 0;
  }

  /** The first entry from `from` (before `end`, its bucket's end) whose hash's low bits are `lowBits`, or -1 once past those sharing bits 8–15. */
  private entryFrom(from: number, end: number, lowBits: number): number {
    const middle = lowBits >>> 8;
    for (let at = from; at < end; at++) {
      const stored = this.lows[at]!;
      if (stored === lowBits) return at;
      if (stored >>> 8 !== middle) return -1;
    }
    return -1;
  }
}

/** One bucket per value of a hash's top 16 bits (a 256 KB directory). */
const BUCKETS = 1 << 16;

/**
 * Bit (hash & mask) is set when some entry's hash has those low bits: about 8 bits per entry,
 * so about one miss in ten reads on.
 */
class HashFilter {
  private readonly bits: Uint32Array;
  private readonly mask: number;

  constructor(entries: number) {
    const size = Math.min(30, Math.max(5, Math.ceil(Math.log2(entries + 1)) + 3));
    this.mask = 2 ** size - 1;
    this.bits = new Uint32Array(2 ** (size - 5));
  }

  add(hash: number): void {
    const bit = hash & this.mask;
    this.bits[bit >>> 5]! |= 1 << (bit & 31);
  }

  mayHave(hash: number): boolean {
    const bit = hash & this.mask;
    return (this.bits[bit >>> 5]! & (1 << (bit & 31))) !== 0;
  }
}

/** Growable typed arrays, for collecting untagged postings before they are sealed. */
export class PostingsBuilder {
  private hashes: Uint32Array;
  private values: Uint32Array;
  private count = 0;

  constructor(expected = 1024) {
    this.hashes = new Uint32Array(Math.max(16, expected));
    this.values = new Uint32Array(Math.max(16, expected));
  }

  add(hash: number, value: number): void {
    if (this.count === this.hashes.length) {
      const grow = (array: Uint32Array) => {
        const bigger = new Uint32Array(array.length * 2);
        bigger.set(array);
        return bigger;
      };
      this.hashes = grow(this.hashes);
      this.values = grow(this.values);
    }
    this.hashes[this.count] = hash >>> 0;
    this.values[this.count++] = value;
  }

  seal(): HashPostings {
    return HashPostings.of(this.hashes.subarray(0, this.count), this.values.subarray(0, this.count));
  }
}

/**
 * Postings counted before they are added: a first pass gives `count` every hash, then `add`
 * takes the same entries in the same order. Each entry goes straight to the place of its
 * hash's top byte in arrays of the exact size, keeping of its hash the low 16 bits and, until
 * `seal`, bits 16–23; `seal` then orders each top byte's entries on those two lower bytes
 * (LSD) through a scratch as big as the largest share, about 1/256 of them. So no array of
 * whole hashes is made and nothing is copied whole: for the match index's deletion entries,
 * the bulk of its memory, whole hashes or a second copy set the peak of a run
 * (docs/decisions.md §18).
 */
export class CountedPostingsBuilder {
  /** Entries per value of the top 16 bits, then (from the first `add`) where each bucket ends. */
  private readonly bucketEnds = new Uint32Array(BUCKETS + 1);
  private adding: { lows: Uint16Array; middles: Uint8Array; values: Uint32Array; tags: Uint16Array | null; next: Uint32Array } | null = null;

  constructor(private readonly tagged: boolean) {}

  /** First pass: one more entry under `hash`. */
  count(hash: number): void {
    this.bucketEnds[(hash >>> 16) + 1]!++;
  }

  /** Second pass: the entries counted, in the same order. */
  add(hash: number, value: number, tag = 0): void {
    const adding = this.adding ?? this.startAdding();
    const at = adding.next[hash >>> 24]!++;
    adding.lows[at] = hash;
    adding.middles[at] = hash >>> 16;
    adding.values[at] = value;
    if (adding.tags) adding.tags[at] = tag;
  }

  seal(): HashPostings {
    const { lows, middles, values, tags, next } = this.adding ?? this.startAdding();
    const ends = this.bucketEnds;
    const topEnd = (top: number) => ends[(top + 1) << 8]!;
    let largest = 0;
    for (let top = 0; top < 256; top++) {
      const start = top === 0 ? 0 : topEnd(top - 1);
      if (next[top] !== topEnd(top)) throw new Error('CountedPostingsBuilder: the entries added are not those counted');
      largest = Math.max(largest, topEnd(top) - start);
    }
    const scratch = { lows: new Uint16Array(largest), middles: new Uint8Array(largest), values: new Uint32Array(largest), tags: tags && new Uint16Array(largest) };
    const digitEnds = new Uint32Array(257);
    for (let top = 0; top < 256; top++) {
      const start = top === 0 ? 0 : topEnd(top - 1);
      const end = topEnd(top);
      if (end - start < 2) continue;
      // Stable counting sorts: on bits 8–15 into the scratch, then on bits 16–23 back.
      digitEnds.fill(0);
      for (let i = start; i < end; i++) digitEnds[(lows[i]! >>> 8) + 1]!++;
      for (let digit = 0; digit < 256; digit++) digitEnds[digit + 1]! += digitEnds[digit]!;
      for (let i = start; i < end; i++) {
        const at = digitEnds[lows[i]! >>> 8]!++;
        scratch.lows[at] = lows[i]!;
        scratch.middles[at] = middles[i]!;
        scratch.values[at] = values[i]!;
        if (tags) scratch.tags![at] = tags[i]!;
      }
      digitEnds.fill(0);
      digitEnds[0] = start;
      for (let i = 0; i < end - start; i++) digitEnds[scratch.middles[i]! + 1]!++;
      for (let digit = 0; digit < 256; digit++) digitEnds[digit + 1]! += digitEnds[digit]!;
      for (let i = 0; i < end - start; i++) {
        const at = digitEnds[scratch.middles[i]!]!++;
        lows[at] = scratch.lows[i]!;
        values[at] = scratch.values[i]!;
        if (tags) tags[at] = scratch.tags![i]!;
      }
    }
    this.adding = null;
    // The filter is set from the sorted entries: set as they came, its writes, scattered over
    // tens of megabytes, competed with the entries' own and took longer than the whole sort.
    const filter = new HashFilter(lows.length);
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      for (let i = ends[bucket]!; i < ends[bucket + 1]!; i++) filter.add(((bucket << 16) | lows[i]!) >>> 0);
    }
    return new HashPostings(lows, values, tags, ends, filter);
  }

  private startAdding(): NonNullable<CountedPostingsBuilder['adding']> {
    const ends = this.bucketEnds;
    for (let bucket = 0; bucket < BUCKETS; bucket++) ends[bucket + 1]! += ends[bucket]!;
    const total = ends[BUCKETS]!;
    this.adding = {
      lows: new Uint16Array(total),
      middles: new Uint8Array(total),
      values: new Uint32Array(total),
      tags: this.tagged ? new Uint16Array(total) : null,
      next: Uint32Array.from({ length: 256 }, (_, top) => ends[top << 8]!),
    };
    return this.adding;
  }
}
