/** Puts a run's reports on disk, one atomic file each, under the stamp the run claimed. */
import path from 'node:path';
import { throwIfAborted } from '../errors.js';
import type { ReportPaths } from '../core/types.js';
import { writeFileAtomically } from '../io/atomic-file.js';
import { csvLines } from './csv-cell.js';
import { REPORT_NAMES, REPORT_ROWS, type ReportInput, type ReportName } from './report-rows.js';
import { ensureOutputFolder, reportFileName } from './report-stamp.js';

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

export function writeReports(input: ReportInput, options: ReportOptions): ReportPaths {
  ensureOutputFolder(options.directory);
  const names = REPORT_NAMES.filter((name) => options.includeTrend || name !== 'trend_analysis');
  const paths: Record<string, string> = {};
  names.forEach((name, index) => {
    throwIfAborted(options.signal);
    options.onReport?.(name, index, names.length);
    const file = path.join(options.directory, reportFileName(name, options.stamp, options.dryRun));
    writeFileAtomically(file, csvLines(REPORT_ROWS[name](input), options.injectionGuard));
    paths[name] = file;
  });
  return paths;
}
