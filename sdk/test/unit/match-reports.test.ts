/** The probable-match and key-correction reports, and how links change the summary (docs/behaviour.md §10). */
import assert from 'node:assert/strict';
import { compareSystems } from '../../src/core/compare.js';
import { KeyIndex } from '../../src/core/key-index.js';
import { ProbableMatchSearch } from '../../src/core/probable-match.js';
import type { MasterKeyRecord } from '../../src/core/records.js';
import { summarizeRun } from '../../src/core/summary.js';
import { keyCorrectionRows, missingInAuthorityRows, probableMatchRows, summaryRows, type ReportInput } from '../../src/reports/report-rows.js';

function index(system: string, rows: readonly (readonly [string, string])[]): KeyIndex {
  const built = new KeyIndex(system);
  rows.forEach(([key, raw], line) => built.add(key, raw, line + 2));
  return built;
}

const A = index('A', [['CUST-000123', 'CUST-000123'], ['CUST-000456', 'CUST-000456'], ['CUST-000789', 'CUST-000789']]);
const B = index('B', [['CUST-000456', 'CUST-000456'], ['CUST-00123', 'cust-00123'], ['NEW-1', 'new-1']]);
const C = index('C', [['CUST-000123', 'CUST-000123'], ['CUST-000789', 'CUST-000789'], ['CUST-00456', 'CUST-00456']]);
const discrepancies = compareSystems(A, [B, C]);

const entry = (id: number, key: string, system: string, status: MasterKeyRecord['status'], linkedTo: string | null = null): MasterKeyRecord => ({
  id, masterKey: key, normalizedKey: key, sourceSystem: system, sourceKey: key, strategy: 'mirror', status, createdAt: 'T0', createdRunId: 'r0', activatedAt: null,
  statusChangedAt: 'T1', statusChangedBy: 'ana', statusReason: null, linkedTo,
});

function input(linked: ReadonlySet<string>, registry: readonly MasterKeyRecord[]): ReportInput {
  const others = new Map([B, C].map((i) => [i.system, i]));
  const search = new ProbableMatchSearch({
    outOfAuthority: discrepancies.outOfAuthority.filter(({ key }) => !linked.has(key)),
    downstream: ['B', 'C'],
    holds: (system, key) => others.get(system)?.has(key) ?? false,
    rejected: new Set(),
    options: { maxDistance: 2, maxCandidates: 3, minScore: 0.65 },
  });
  search.offer([...A.keys()]);
  const probableMatches = search.results();
  const summary = summarizeRun({
    runId: 'R', mode: 'full', engine: 'node', dryRun: false, startedAt: 'T', discrepancies, fromSnapshot: new Set(), linked, keysWithProbableMatch: probableMatches.length,
    sources: ['A', 'B', 'C'].map((system) => ({ system, file: `${system}.csv`, status: 'read' as const, rows: 3, repeatedRows: 0, badRows: 0 })),
    registry: { proposed: 0, autoApproved: 0, resolved: 0, pending: 0 },
  });
  return { timestamp: 'T', summary, discrepancies, registry, registryByKey: new Map(registry.map((record) => [record.normalizedKey, record])), audit: [], badRows: [], skippedSources: [], history: [], probableMatches };
}

const rows = (generator: Iterable<readonly unknown[]>) => [...generator].slice(1);

describe('probable matches in reports and the summary (docs/behaviour.md §10)', () => {
  it('probable_matches: one row per sighting and candidate, ranked; a key without candidates has none', () => {
    const report = input(new Set(), []);
    assert.deepEqual(rows(probableMatchRows(report)), [
      ['B', 'cust-00123', 'CUST-00123', 'CUST-000123', '1.00', 'padding; missing from B, held by C', 1],
      ['C', 'CUST-00456', 'CUST-00456', 'CUST-000456', '1.00', 'padding; missing from C, held by B', 1],
    ]);
    const metrics = new Map(rows(summaryRows(report)).map((row) => [row[0], row[1]]));
    assert.equal(metrics.get('Out of Authority Keys with a Probable Match'), 2);
    assert.equal(metrics.get('Keys Missing in A (Out of Authority)'), 3);
    assert.deepEqual(rows(keyCorrectionRows(report)), []);
  });

  it('a linked key is not out of authority, stays in diff_missing_in_A showing its A key, and is listed as a correction', () => {
    const registry = [entry(1, 'CUST-00123', 'B', 'linked', 'CUST-000123'), entry(2, 'CUST-00456', 'C', 'proposed'), entry(3, 'NEW-1', 'B', 'proposed')];
    const report = input(new Set(['CUST-00123']), registry);
    const { totals } = report.summary;
    assert.deepEqual([totals.keysMissingInAuthority, totals.keysLinked, totals.keysWithProbableMatch, totals.outOfAuthoritySightings], [2, 1, 1, 2]);
    assert.equal(totals.uniqueKeys, 5, 'the linked key is its A key, not a unique key of its own');
    assert.deepEqual(
      rows(missingInAuthorityRows(report)).find((row) => row[0] === 'CUST-00123'),
      ['CUST-00123', 'B', 'cust-00123', 'CUST-000123', 'mirror', 'linked', 'T'],
    );
    assert.deepEqual(rows(keyCorrectionRows(report)), [['B', 'cust-00123', 'CUST-000123', 'ana', 'T1']]);
    assert.deepEqual(rows(probableMatchRows(report)).map((row) => row[2]), ['CUST-00456']);
  });
});
