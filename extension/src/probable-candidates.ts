/**
 * The candidates of a run's `probable_matches` report (docs/behaviour.md §10), by source
 * system and normalised key, for the Discrepancies tree and the report's CodeLens. Pure.
 *
 * The tree reads them back from the report the run wrote (RunRecord.reports) rather than from
 * the database: the report is already the run's record of its suggestions, complete and
 * written atomically with the run, so storing them again would add a table, a migration and
 * a second copy to keep in step. A report deleted by hand shows no candidates.
 */
import { unguardFormula, type ReportColumn } from '@keysync/sdk';
import { readCsvRecords } from './codelens/csv-records.js';

export interface ProbableCandidate {
  readonly system: string;
  readonly normalizedKey: string;
  readonly authorityKey: string;
  readonly score: number;
  readonly reason: string;
  readonly rank: number;
  /** The report row's line (0-based), for a lens. */
  readonly line: number;
}

const COLUMNS = {
  system: 'Source System',
  normalizedKey: 'Normalized Key',
  authorityKey: 'Candidate A Key',
  score: 'Score',
  reason: 'Reason',
  rank: 'Rank',
} as const satisfies Record<string, ReportColumn<'probable_matches'>>;

/** Every row of a probable_matches report; undefined when the header is not that report's. */
export function parseProbableMatches(text: string): ProbableCandidate[] | undefined {
  const [header, ...records] = readCsvRecords(text);
  if (!header) return undefined;
  const names = header.fields.map((field) => field.value);
  const at = Object.fromEntries(Object.entries(COLUMNS).map(([name, column]) => [name, names.indexOf(column)])) as Record<keyof typeof COLUMNS, number>;
  if (Object.values(at).some((index) => index < 0)) return undefined;
  const rows: ProbableCandidate[] = [];
  for (const record of records) {
    const value = (index: number) => unguardFormula(record.fields[index]?.value ?? '');
    const normalizedKey = value(at.normalizedKey);
    const authorityKey = value(at.authorityKey);
    if (!normalizedKey || !authorityKey) continue;
    rows.push({ system: value(at.system), normalizedKey, authorityKey, score: Number(value(at.score)), reason: value(at.reason), rank: Number(value(at.rank)), line: record.line });
  }
  return rows;
}

/** Where a key's candidates are filed: its system and normalised key. */
export function candidateSlot(system: string, normalizedKey: string): string {
  return `${system}\u0000${normalizedKey}`;
}

/** The candidates of each (system, key), best first, each authority key once (a key seen on several rows repeats them). */
export function candidatesByKey(rows: readonly ProbableCandidate[]): ReadonlyMap<string, readonly ProbableCandidate[]> {
  const bySlot = new Map<string, ProbableCandidate[]>();
  for (const row of rows) {
    const slot = candidateSlot(row.system, row.normalizedKey);
    const list = bySlot.get(slot) ?? [];
    if (!list.some((known) => known.authorityKey === row.authorityKey)) list.push(row);
    bySlot.set(slot, list);
  }
  for (const list of bySlot.values()) list.sort((a, b) => a.rank - b.rank || b.score - a.score);
  return bySlot;
}

/** An authority key as the tree and the lens name it: `A:CUST-000123` (the authority system's name first). */
export function candidateLabel(candidate: Pick<ProbableCandidate, 'authorityKey'>, authority: string): string {
  return `${authority || 'A'}:${candidate.authorityKey}`;
}

/** `1 probable match`, `3 probable matches`. */
export function candidateCount(count: number): string {
  return `${count} probable match${count === 1 ? '' : 'es'}`;
}
