/**
 * The node engine compares each downstream system as its read arrives, while the workers read
 * the others: one merge with the authority's index gives what comparing keeps of the system
 * (core/compare.ts `findingsOf`), and its index — hundreds of megabytes at 10M keys — is let
 * go at once instead of being held until the last source is read, when the run's memory
 * peaked (docs/decisions.md §7). A system read before the authority waits for it. Sources
 * taken from their snapshots (incremental runs) arrive as the others start reading, before
 * any of those arrives.
 */
import { combineFindings, findingsOf, type IndexComparison, type SystemFindings } from '../core/compare.js';
import type { KeyIndex } from '../core/key-index.js';
import type { SystemId } from '../core/types.js';

export class CompareAsRead {
  private authority: KeyIndex | null = null;
  private readonly waiting: KeyIndex[] = [];
  private readonly found = new Map<SystemId, SystemFindings>();

  constructor(private readonly authoritySystem: SystemId) {}

  /** A source's final read: the authority is kept, a downstream system compared and released (once the authority is here). */
  arrived(index: KeyIndex): void {
    if (index.system !== this.authoritySystem) {
      if (this.authority) this.compare(this.authority, index);
      else this.waiting.push(index);
      return;
    }
    this.authority = index;
    for (const waiting of this.waiting.splice(0)) this.compare(index, waiting);
  }

  /** The whole comparison, once every source is read: `others` in config order, those not compared yet compared now. */
  finish(authority: KeyIndex, others: readonly KeyIndex[]): IndexComparison {
    return combineFindings(authority, others.map((index) => this.found.get(index.system) ?? findingsOf(authority, index)));
  }

  private compare(authority: KeyIndex, index: KeyIndex): void {
    this.found.set(index.system, findingsOf(authority, index));
    index.release();
  }
}
