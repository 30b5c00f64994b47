/**
 * A run's bad rows as Problems-panel entries, grouped by source file: where each row is,
 * what was wrong and what the run did with it. Pure: no editor API.
 */
import { formatCount, type BadRowEntry } from '@keysync/sdk';
import type { LineProblem } from './line-diagnostics.js';
import { isLineLocation } from './source-location.js';

/** Per file, the Problems panel gets at most this many rows; a last entry says how many more. */
export const MAX_PROBLEMS_PER_FILE = 1000;

export function badRowProblems(groups: readonly { readonly system: string; readonly rows: readonly BadRowEntry[] }[]): Map<string, LineProblem[]> {
  const byFile = new Map<string, LineProblem[]>();
  const hidden = new Map<string, number>();
  for (const { system, rows } of groups) {
    for (const row of rows) {
      // Only a text file's lines can carry a problem; a database or Parquet row has no line to mark.
      if (!isLineLocation(row.file, row.line)) continue;
      const problems = byFile.get(row.file) ?? [];
      byFile.set(row.file, problems);
      if (problems.length >= MAX_PROBLEMS_PER_FILE) {
        hidden.set(row.file, (hidden.get(row.file) ?? 0) + 1);
        continue;
      }
      problems.push({ line: row.line, message: `${row.reason} (${row.detail}); row ${row.action} — system ${system}` });
    }
  }
  for (const [file, count] of hidden) {
    byFile.get(file)!.push({ line: 1, message: `${formatCount(count)} more bad rows in this file are not listed here; the run's error_report lists every one` });
  }
  return byFile;
}
