/**
 * Which generated reports carry master keys that can be acted on, and in which columns. The
 * file names and column headers are the SDK's (parseReportFileName, REPORT_HEADERS): a
 * column renamed there fails to compile here instead of silently losing the lenses.
 */
import { parseReportFileName, type ReportColumn, type ReportName } from '@keysync/sdk';

export interface ActionableReport {
  readonly masterKeyColumn: string;
  readonly statusColumn: string;
  /** Set when the registry reports when a key was activated. */
  readonly activatedAtColumn?: string;
}

const ACTIONABLE = {
  master_key_registry: {
    masterKeyColumn: 'Master Key' satisfies ReportColumn<'master_key_registry'>,
    statusColumn: 'Status' satisfies ReportColumn<'master_key_registry'>,
    activatedAtColumn: 'Activated At' satisfies ReportColumn<'master_key_registry'>,
  },
  diff_missing_in_A: {
    masterKeyColumn: 'Proposed Master Key' satisfies ReportColumn<'diff_missing_in_A'>,
    statusColumn: 'Status' satisfies ReportColumn<'diff_missing_in_A'>,
  },
} as const satisfies Partial<Record<ReportName, ActionableReport>>;

/** probable_matches rows are acted on too, pairwise: Link or Not a match (report-lens.ts). */
const PROBABLE_MATCHES = 'probable_matches' satisfies ReportName;

export const ACTIONABLE_REPORT_GLOB = `**/{${[...Object.keys(ACTIONABLE), PROBABLE_MATCHES].join(',')}}_*.csv`;

export function isProbableMatchesReport(fileName: string): boolean {
  return parseReportFileName(fileName)?.name === PROBABLE_MATCHES;
}

/** A dry run's reports (`<report>_dry-run_<stamp>.csv`): nothing in them was saved, so nothing in them can be acted on. */
export function isDryRunReport(fileName: string): boolean {
  return parseReportFileName(fileName)?.dryRun ?? false;
}

export function actionableReport(fileName: string): ActionableReport | undefined {
  const report = parseReportFileName(fileName);
  return report && (ACTIONABLE as Partial<Record<ReportName, ActionableReport>>)[report.name];
}
