/** Which generated reports carry master keys that can be acted on, and in which columns. */
export interface ActionableReport {
  readonly masterKeyColumn: string;
  readonly statusColumn: string;
  /** Set when the registry reports when a key was activated. */
  readonly activatedAtColumn?: string;
}

const REPORTS: readonly [RegExp, ActionableReport][] = [
  [/(^|[\\/])master_key_registry_[^\\/]*\.csv$/, { masterKeyColumn: 'Master Key', statusColumn: 'Status', activatedAtColumn: 'Activated At' }],
  [/(^|[\\/])diff_missing_in_A_[^\\/]*\.csv$/, { masterKeyColumn: 'Proposed Master Key', statusColumn: 'Status' }],
];

export const ACTIONABLE_REPORT_GLOB = '**/{master_key_registry,diff_missing_in_A}_*.csv';

/** A dry run's reports (`<report>_dry-run_<stamp>.csv`): nothing in them was saved, so nothing in them can be acted on. */
export function isDryRunReport(fileName: string): boolean {
  return /_dry-run_[^\\/]*\.csv$/.test(fileName);
}

export function actionableReport(fileName: string): ActionableReport | undefined {
  return REPORTS.find(([pattern]) => pattern.test(fileName))?.[1];
}
