/**
 * @keysync/sdk — the public API. Everything a script, the CLI or the VS Code extension
 * needs, nothing more.
 */
export { openWorkspace } from './workspace.js';
export { copyDatabase } from './database-copy.js';
export type { CopyDatabaseOptions, CopyDatabaseResult, CopyProgress, TableCheck } from './database-copy.js';
export type { Actor, OpenWorkspaceOptions, Workspace } from './workspace.js';
export type { WorkspacePaths } from './run/workspace-context.js';
export type { ProgressEvent, ReconcileOptions, ReconcileResult, ReconcileStage, StageTimings } from './reconcile.js';
export { RECONCILE_STAGES } from './reconcile.js';

export { CONFIG_FILE_NAME, loadConfig } from './config/load.js';
export type { ConfigWarning, KeySyncConfig } from './config/load.js';
export { configJsonSchema, SCENARIO_NAMES } from './config/schema.js';
export { configTemplate } from './config/template.js';
export type { KeySyncConfigInput, KeySyncConfigValues, PostgresDatabaseConfig, SourceConfig, SqliteDatabaseConfig } from './config/schema.js';

export { DEFAULT_NORMALIZE_RULES, normalizeKey } from './core/normalize.js';
export type { NormalizeRules } from './core/normalize.js';
export type { AuthorityKey, Discrepancies, DuplicateGroup, MatchRates, OutOfAuthorityKey } from './core/compare.js';
export { formatCount, formatPercent } from './core/format.js';
export type { Proposal } from './core/provision.js';
export type { Candidate, MatchingOptions, ProbableMatch } from './core/probable-match.js';
export type { MatchKind } from './core/match-index.js';
export { MATCH_SCORES } from './core/match-index.js';
export type { Collision, KeyMove, RenormalizePlan, Superseded } from './core/renormalize.js';
export type { RegistryChanges, RunSummary, RunTotals, SummaryTableRow, SystemSummary } from './core/summary.js';
export { comparedNothing, hasDiscrepancies, SUMMARY_TABLE_COLUMNS, summaryTableRows, whyNothingCompared } from './core/summary.js';
export { TRANSITIONS } from './core/lifecycle.js';
export type { MasterKeyAction, ReviewDecision, Transition } from './core/lifecycle.js';
export type {
  BadRow,
  BadRowAction,
  BadRowReason,
  MasterKeyStatus,
  NormalizedKey,
  ProvisioningStrategy,
  ReportPaths,
  RunEngine,
  RunMode,
  RowLocator,
  RunStatus,
  Sighting,
  SystemId,
  SystemSighting,
} from './core/types.js';
export { MASTER_KEY_STATUSES, RUN_ENGINES, RUN_MODES } from './core/types.js';

export type { AuditEvent, AuditFilter } from './store/audit-repo.js';
export type { MasterKeyRecord, RegistryFilter, RejectedMatch } from './store/registry-repo.js';
export type { RunFilter, RunRecord } from './store/runs-repo.js';
export type { DiscrepancyCount } from './store/discrepancies-repo.js';
export type { BadRowEntry, DiscrepancyEntries, DiscrepancyKind, KeyWithSightings } from './core/discrepancy-kinds.js';
export type { LockOwner, LockStatus } from './store/process-lock.js';
export type { RegistryWatch } from './store/registry-watch.js';
export type { DriverName, SqliteDriver, SqliteOpenOptions } from './store/sqlite/drivers/driver.js';
export { REPORT_HEADERS, REPORT_NAMES } from './reports/report-rows.js';
export type { ReportColumn, ReportName } from './reports/report-rows.js';
export { parseReportFileName, reportFileName } from './reports/report-stamp.js';
export { unguardFormula } from './reports/csv-cell.js';

export { filesMockDataWouldOverwrite, generateMockData, MOCK_DATA_WOULD_OVERWRITE, SCENARIOS } from './mock/generate.js';
export type { MockDataOptions, MockDataResult, Scenario } from './mock/generate.js';
export type { FailureInjection, ScenarioShares } from './mock/scenarios.js';

export { ERROR_CODES, KeySyncError, isKeySyncError } from './errors.js';
export type { ErrorCode, ErrorDetails, ErrorKind } from './errors.js';
export type { LogLevel, LogSink } from './log.js';

export { SDK_VERSION } from './version.js';
