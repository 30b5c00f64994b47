/**
 * What a run's results were computed from, by name, so that a later run can tell which of
 * them it would compute again unchanged and carry them forward instead (docs/decisions.md §22):
 *  - which keys it compared: for each system taken from or kept in a snapshot, the snapshot
 *    content's id (store/snapshots.ts). Two runs that name the same content for a system
 *    compared the same keys for it;
 *  - the matching settings its probable matches were found with.
 */
import type { DiscrepancyKind } from './discrepancy-kinds.js';
import type { SystemId } from './types.js';

/** Which keys a run compared (RunRead.comparedKeys). */
export interface ComparedKeys {
  readonly authority: SystemId;
  /** Every system the run compared, authority first, whether or not its content has an id. */
  readonly systems: readonly SystemId[];
  /** The content id of each system whose keys came from, or went into, a snapshot. */
  readonly contents: Readonly<Record<SystemId, string>>;
}

/** The `matching` settings as the config gives them. */
export interface MatchingSettings {
  readonly enabled: boolean;
  readonly max_distance: number;
  readonly max_candidates: number;
  readonly min_score: number;
}

/**
 * What a run's results came from. Nothing here names the code that computed them: a change to
 * what comparing or matching give for the same keys (a score, a reason's wording, an entry's
 * shape) would be carried forward from runs made before it, so such a change must also make
 * these differ (a version field, which older stored inputs lack and so never match).
 */
export interface RunInputs extends ComparedKeys {
  readonly matching: MatchingSettings;
}

/** Whether a system's keys are named, and named alike, in both runs. */
function sameContent(before: ComparedKeys, now: ComparedKeys, system: SystemId): boolean {
  return now.contents[system] !== undefined && now.contents[system] === before.contents[system];
}

/**
 * Whether both runs compared the same systems in the same order, under the same authority, each
 * with the same keys. The order counts: a probable match's reason names systems in config order.
 */
function sameKeysEverywhere(before: ComparedKeys, now: ComparedKeys): boolean {
  return (
    before.authority === now.authority &&
    before.systems.length === now.systems.length &&
    now.systems.every((system, position) => before.systems[position] === system && sameContent(before, now, system))
  );
}

/**
 * Whether a discrepancy group of `now` is the same as the one `before` stored: every system
 * the group depends on has the same content in both runs, under the same authority.
 *  - a gap list, a system's out-of-authority keys: the authority and that system;
 *  - a system's duplicates and bad rows: that system (duplicates of the authority are
 *    counted differently from a downstream system's, hence the same authority throughout);
 *  - keys only in the authority: every system of the run, in the same order, and no other
 *    system in either.
 */
export function sameDiscrepancyGroup(before: ComparedKeys, now: ComparedKeys, kind: DiscrepancyKind, system: SystemId | ''): boolean {
  if (before.authority !== now.authority) return false;
  switch (kind) {
    case 'gap':
    case 'out_of_authority':
      return sameContent(before, now, now.authority) && sameContent(before, now, system);
    case 'duplicate':
    case 'bad_row':
      return sameContent(before, now, system);
    case 'only_in_authority':
      return sameKeysEverywhere(before, now);
  }
}

/**
 * Whether `now` finds the probable matches `before` found, as far as its inputs say: the
 * same keys in every system (the out-of-authority keys, the authority's keys, and which
 * system holds each candidate, which scores it), the systems in the same order (the reasons
 * name them in that order) and the same settings. The registry's links
 * and "not a match" pairs matter too; the caller checks that no decision was made since.
 */
export function sameMatchingInputs(before: RunInputs, now: RunInputs): boolean {
  const { matching: a } = before;
  const { matching: b } = now;
  const sameSettings = a.enabled === b.enabled && a.max_distance === b.max_distance && a.max_candidates === b.max_candidates && a.min_score === b.min_score;
  return sameSettings && sameKeysEverywhere(before, now);
}

/** Stored RunInputs as this version writes them, or undefined (a column is data, not trusted). */
export function storedRunInputs(text: string | null): RunInputs | undefined {
  if (text === null) return undefined;
  try {
    const value = JSON.parse(text) as Partial<RunInputs>;
    const strings = (list: unknown): list is string[] => Array.isArray(list) && list.every((item) => typeof item === 'string');
    const { contents, matching } = value;
    const settingsValid =
      typeof matching === 'object' &&
      matching !== null &&
      typeof matching.enabled === 'boolean' &&
      [matching.max_distance, matching.max_candidates, matching.min_score].every((setting) => typeof setting === 'number');
    if (typeof value.authority !== 'string' || !strings(value.systems) || typeof contents !== 'object' || contents === null || !strings(Object.values(contents)) || !settingsValid) {
      return undefined;
    }
    return { authority: value.authority, systems: value.systems, contents, matching };
  } catch {
    return undefined;
  }
}
