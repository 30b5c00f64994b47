/**
 * Which keys a run compared, by name: for each system taken from or kept in a snapshot, the
 * snapshot content's id (store/snapshots.ts). Two runs that name the same content for a
 * system compared the same keys for it, so every discrepancy group that depends only on such
 * systems is the same in both, and a run can carry it forward from the earlier run instead of
 * writing it again (docs/decisions.md §22).
 */
import type { DiscrepancyKind } from './discrepancy-kinds.js';
import type { SystemId } from './types.js';

export interface ComparedKeys {
  readonly authority: SystemId;
  /** Every system the run compared, authority first, whether or not its content has an id. */
  readonly systems: readonly SystemId[];
  /** The content id of each system whose keys came from, or went into, a snapshot. */
  readonly contents: Readonly<Record<SystemId, string>>;
}

/**
 * Whether a discrepancy group of `now` is the same as the one `before` stored: every system
 * the group depends on has the same content in both runs, under the same authority.
 *  - a gap list, a system's out-of-authority keys: the authority and that system;
 *  - a system's duplicates and bad rows: that system (duplicates of the authority are
 *    counted differently from a downstream system's, hence the same authority throughout);
 *  - keys only in the authority: every system of the run, and no other system in either.
 */
export function sameDiscrepancyGroup(before: ComparedKeys, now: ComparedKeys, kind: DiscrepancyKind, system: SystemId | ''): boolean {
  if (before.authority !== now.authority) return false;
  const same = (id: SystemId) => now.contents[id] !== undefined && now.contents[id] === before.contents[id];
  switch (kind) {
    case 'gap':
    case 'out_of_authority':
      return same(now.authority) && same(system);
    case 'duplicate':
    case 'bad_row':
      return same(system);
    case 'only_in_authority':
      return before.systems.length === now.systems.length && now.systems.every((id) => before.systems.includes(id) && same(id));
  }
}

/** A stored ComparedKeys as this version writes it, or undefined (a column is data, not trusted). */
export function storedComparedKeys(text: string | null): ComparedKeys | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as Partial<ComparedKeys>;
    const strings = (list: unknown): list is string[] => Array.isArray(list) && list.every((item) => typeof item === 'string');
    const contents = value.contents;
    if (
      typeof value.authority !== 'string' ||
      !strings(value.systems) ||
      typeof contents !== 'object' ||
      contents === null ||
      !strings(Object.values(contents))
    ) {
      return undefined;
    }
    return { authority: value.authority, systems: value.systems, contents };
  } catch {
    return undefined;
  }
}
