// A project that installed @keysync/sdk from its tarball: sdk/test/package/consumer.test.ts
// copies this folder beside the installed node_modules, compiles it (strict, NodeNext,
// skipLibCheck off) and runs it as ESM. `uses` must name every value the package exports (a
// missing one is a type error), each with a small use; the calls check the public types.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as sdk from '@keysync/sdk';
import type { KeySyncConfigInput, MasterKeyRecord, ReconcileResult, RunEngine, RunSummary, Workspace } from '@keysync/sdk';
import schema from '@keysync/sdk/schema.json' with { type: 'json' };

const expectedVersion = process.argv[2];
const dir = mkdtempSync(path.join(tmpdir(), 'keysync-consumer-ws-'));
try {
  const mock = await sdk.generateMockData({ dir, scenario: 'drift', keys: 200, seed: 7 });
  const ws: Workspace = await sdk.openWorkspace(mock.configPath);
  // Stopped by close() below; a view would read again what it shows on each call.
  const watch: sdk.RegistryWatch = ws.watchRegistry(() => undefined);
  const stages = new Set<string>();
  const run: ReconcileResult = await ws.reconcile({ mode: 'full', onProgress: (event) => stages.add(event.stage) });
  const summary: RunSummary = run.summary;
  const pending: MasterKeyRecord[] = await ws.registry.list({ status: 'proposed', limit: 2 });
  const versionBefore: string = await ws.registryVersion();
  const approved = await ws.registry.approve(pending[0]!.masterKey, { actor: 'consumer' });
  if ((await ws.registryVersion()) === versionBefore) throw new Error('registryVersion() did not move after an approve');
  const notFound = await ws.registry.approve('NO-SUCH-KEY', { actor: 'consumer' }).then(
    () => undefined,
    (error: unknown) => error,
  );
  const events = await ws.audit.list({ runId: run.runId });
  const latest = await ws.runs.latest();
  await ws.close();
  await watch.dispose();

  const registryReport = run.reports['master_key_registry'] ?? '';
  const config: KeySyncConfigInput = { authority: 'A', provisioning: { strategy: 'mirror' } };
  const uses: { readonly [Name in keyof typeof sdk]: boolean } = {
    openWorkspace: ws.driver === 'native' && stages.has('persist'),
    generateMockData: mock.files.length === 5,
    filesMockDataWouldOverwrite: sdk.filesMockDataWouldOverwrite({ dir, scenario: 'drift', keys: 200, seed: 7 }).length === 0,
    MOCK_DATA_WOULD_OVERWRITE: sdk.ERROR_CODES.some((code) => code === sdk.MOCK_DATA_WOULD_OVERWRITE),
    SCENARIOS: sdk.SCENARIOS.drift.common === 0.6,
    SCENARIO_NAMES: sdk.SCENARIO_NAMES.includes(mock.scenario),
    CONFIG_FILE_NAME: path.basename(mock.configPath) === sdk.CONFIG_FILE_NAME,
    loadConfig: sdk.loadConfig(mock.configPath).values.authority === config.authority,
    configJsonSchema: JSON.stringify(sdk.configJsonSchema()) === JSON.stringify(schema),
    configTemplate: sdk.configTemplate('drift', 200, 7).includes('authority:'),
    DEFAULT_NORMALIZE_RULES: sdk.DEFAULT_NORMALIZE_RULES.uppercase,
    normalizeKey: sdk.normalizeKey('  cust__0001234!@#') === 'CUST-0001234',
    formatCount: sdk.formatCount(1109) === '1,109',
    formatPercent: sdk.formatPercent(0.8889) === '88.89%',
    summaryTableRows: sdk.summaryTableRows(summary).length === summary.systems.length,
    SUMMARY_TABLE_COLUMNS: sdk.SUMMARY_TABLE_COLUMNS[0] === 'System',
    comparedNothing: !sdk.comparedNothing(summary),
    whyNothingCompared: sdk.whyNothingCompared(summary).length > 0,
    hasDiscrepancies: sdk.hasDiscrepancies(summary),
    TRANSITIONS: sdk.TRANSITIONS.approve.to === approved.status,
    MASTER_KEY_STATUSES: sdk.MASTER_KEY_STATUSES.includes(approved.status),
    RECONCILE_STAGES: sdk.RECONCILE_STAGES.every((stage) => stage in run.timings),
    MATCH_SCORES: sdk.MATCH_SCORES.padding > 0,
    RUN_MODES: latest !== undefined && sdk.RUN_MODES.includes(latest.mode),
    RUN_ENGINES: sdk.RUN_ENGINES.includes(run.summary.engine ?? ('node' satisfies RunEngine)),
    REPORT_NAMES: sdk.REPORT_NAMES.every((name) => name in run.reports),
    REPORT_HEADERS: sdk.REPORT_HEADERS.master_key_registry[0] === 'Master Key ID',
    parseReportFileName: sdk.parseReportFileName(registryReport)?.name === 'master_key_registry',
    reportFileName: sdk.reportFileName('audit_log', '20261128T142501Z', true) === 'audit_log_dry-run_20261128T142501Z.csv',
    unguardFormula: sdk.unguardFormula("'=1+1") === '=1+1',
    KeySyncError: notFound instanceof sdk.KeySyncError && notFound.code === 'MASTER_KEY_NOT_FOUND',
    isKeySyncError: sdk.isKeySyncError(notFound) && sdk.ERROR_CODES.includes(notFound.code),
    ERROR_CODES: sdk.ERROR_CODES.includes('MASTER_KEY_NOT_FOUND'),
    SDK_VERSION: sdk.SDK_VERSION === expectedVersion,
    copyDatabase: typeof sdk.copyDatabase === 'function',
  };
  const failed = Object.entries(uses).flatMap(([name, ok]) => (ok ? [] : [name]));
  console.log(`esm: ${Object.keys(uses).length} exports used, failed: [${failed.join(', ')}]; run ${run.runId}, ${events.length} audit events, SDK ${sdk.SDK_VERSION}`);
  if (failed.length > 0) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
