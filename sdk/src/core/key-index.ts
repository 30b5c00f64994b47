/**
 * The keys one system holds: normalised key → every distinct raw key that produced it,
 * with its line. Built row by row by the source reader, then read by compare.
 *
 * Sized for millions of rows: one Map entry per key pointing at a slot in two parallel
 * arrays, and a side map only for the rare keys with more than one raw form. A raw key
 * equal to its normalised form shares the same string, so clean data costs one string.
 */
import type { NormalizedKey, Sighting, SystemId } from './types.js';

export class KeyIndex {
  private readonly firstSlot = new Map<NormalizedKey, number>();
  private readonly moreSlots = new Map<NormalizedKey, number[]>();
  private readonly raws: string[] = [];
  private readonly lines: number[] = [];
  /** Rows that repeated a raw key already seen for the same normalised key. */
  repeatedRows = 0;

  constructor(readonly system: SystemId) {}

  /** Record one row; returns false when it only repeats a raw key already held. */
  add(key: NormalizedKey, raw: string, line: number): boolean {
    const first = this.firstSlot.get(key);
    if (first === undefined) {
      this.firstSlot.set(key, this.push(raw === key ? key : raw, line));
      return true;
    }
    const more = this.moreSlots.get(key);
    if (this.raws[first] === raw || more?.some((slot) => this.raws[slot] === raw)) {
      this.repeatedRows++;
      return false;
    }
    const slot = this.push(raw, line);
    if (more) more.push(slot);
    else this.moreSlots.set(key, [slot]);
    return true;
  }

  get size(): number {
    return this.firstSlot.size;
  }

  has(key: NormalizedKey): boolean {
    return this.firstSlot.has(key);
  }

  keys(): IterableIterator<NormalizedKey> {
    return this.firstSlot.keys();
  }

  /** The line of the key's first row, or undefined when the system lacks the key. */
  firstLine(key: NormalizedKey): number | undefined {
    const first = this.firstSlot.get(key);
    return first === undefined ? undefined : this.lines[first];
  }

  /** Every distinct raw form of a key, in file order; empty when the system lacks the key. */
  sightings(key: NormalizedKey): Sighting[] {
    const first = this.firstSlot.get(key);
    if (first === undefined) return [];
    const slots = [first, ...(this.moreSlots.get(key) ?? [])];
    return slots.map((slot) => ({ raw: this.raws[slot]!, line: this.lines[slot]! }));
  }

  /** Keys reached by two or more distinct raw keys (SPEC §4 duplicates). */
  duplicateKeys(): IterableIterator<NormalizedKey> {
    return this.moreSlots.keys();
  }

  private push(raw: string, line: number): number {
    this.raws.push(raw);
    this.lines.push(line);
    return this.raws.length - 1;
  }
}
