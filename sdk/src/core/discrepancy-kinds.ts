/**
 * The kinds of discrepancy a run finds, and what each kind lists per system: the shape in
 * which runs keep them, so views read a run's findings without reparsing its reports.
 */
import type { AuthorityKey } from './compare.js';
import type { BadRow, NormalizedKey, Sighting } from './types.js';

/** The kinds of stored discrepancy group a run keeps, for `ws.runs.discrepancies(runId, kind, system)`. */
export type DiscrepancyKind = 'gap' | 'out_of_authority' | 'only_in_authority' | 'duplicate' | 'bad_row';

/** A key with the rows it was seen on. */
export interface KeyWithSightings {
  readonly key: NormalizedKey;
  readonly sightings: readonly Sighting[];
}

/** A bad row as stored per system (the system is the group's). */
export type BadRowEntry = Omit<BadRow, 'system'>;

/** What each kind of group holds. */
export interface DiscrepancyEntries {
  gap: AuthorityKey[];
  out_of_authority: KeyWithSightings[];
  only_in_authority: AuthorityKey[];
  duplicate: KeyWithSightings[];
  bad_row: BadRowEntry[];
}
