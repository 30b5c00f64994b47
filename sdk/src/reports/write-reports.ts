/** Puts a run's reports on disk: names, the output folder, one atomic file each. */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { throwIfAborted } from '../errors.js';
import path from 'node:path';
import type { ReportPaths } from '../store/runs-repo.js';
import { writeFileAtomically } from '../io/atomic-file.js';
import { csvLine } from './csv-cell.js';
import { REPORT_NAMES, REPORT_ROWS, type ReportInput, type ReportName } from './report-rows.js';

export interface ReportOptions {
  readonly directory: string;
  readonly stamp: string;
  readonly dryRun: boolean;
  readonly injectionGuard: boolean;
  readonly includeTrend: boolean;
  /** Checked before each report: a cancelled run stops between files. */
  readonly signal?: AbortSignal;
  /** Called before each report is written, for progress. */
  readonly onReport?: (name: ReportName, index: number, total: number) => void;
}

export function reportFileName(name: ReportName, stamp: string, dryRun: boolean): string {
  return `${name}_${dryRun ? 'dry-run_' : ''}${stamp}.csv`;
}

/**
 * The run's timestamp in ISO 8601 basic form; a second run within the same second
 * gets `-2`, `-3`, … so it never collides with another run's files.
 */
export function uniqueReportStamp(directory: string, at: Date, dryRun: boolean): string {
  const base = at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
  for (let attempt = 1; ; attempt++) {
    const stamp = attempt === 1 ? base : `${base}-${attempt}`;
    const taken = REPORT_NAMES.some((name) => existsSync(path.join(directory, reportFileName(name, stamp, dryRun))));
    if (!taken) return stamp;
  }
}

export function writeReports(input: ReportInput, options: ReportOptions): ReportPaths {
  mkdirSync(options.directory, { recursive: true });
  const names = REPORT_NAMES.filter((name) => options.includeTrend || name !== 'trend_analysis');
  const paths: Record<string, string> = {};
  names.forEach((name, index) => {
    throwIfAborted(options.signal);
    options.onReport?.(name, index, names.length);
    const file = path.join(options.directory, reportFileName(name, options.stamp, options.dryRun));
    writeFileAtomically(file, linesOf(REPORT_ROWS[name](input), options.injectionGuard));
    paths[name] = file;
  });
  return paths;
}

/** Deletes one run's report files (an uncommitted attempt's, before a resume or after a failure). */
export function removeReports(directory: string, stamp: string, dryRun: boolean): void {
  for (const name of REPORT_NAMES) rmSync(path.join(directory, reportFileName(name, stamp, dryRun)), { force: true });
}

function* linesOf(rows: Iterable<readonly (string | number | null)[]>, guard: boolean): Iterable<string> {
  for (const row of rows) yield csvLine(row, guard);
}
