/** Reading in worker threads gives exactly what reading in the main thread gives (issue: parallel ingest). */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { generateMockData, openWorkspace, type ReconcileResult } from '../../src/index.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

async function dryRun(workspace: TempWorkspace, parallel: boolean, log: string[] = []): Promise<ReconcileResult> {
  const config = readFileSync(workspace.config, 'utf8')
    .replace(/parallel: (true|false)/, `parallel: ${parallel}`)
    .replace(/max_workers: \d+/, 'max_workers: 2');
  writeFileSync(workspace.config, config);
  const ws = await openWorkspace(workspace.config, { onLog: (_level, message) => log.push(message) });
  try {
    return await ws.reconcile({ dryRun: true });
  } finally {
    await ws.close();
  }
}

describe('parallel ingest (processing.parallel)', function () {
  this.timeout(120_000);
  let workspace: TempWorkspace;
  before(async () => {
    workspace = tempWorkspace();
    // Large enough (≈ 13 MB) for the worker path, with bad rows and duplicates in it.
    await generateMockData({ dir: workspace.dir, scenario: 'drift', keys: 100_000, seed: 11, failures: ['corrupt-rows', 'mass-duplication'] });
  });
  after(() => workspace.remove());

  it('gives identical discrepancies, bad rows and summary with and without worker threads', async () => {
    const inlineLog: string[] = [];
    const parallelLog: string[] = [];
    const inline = await dryRun(workspace, false, inlineLog);
    const parallel = await dryRun(workspace, true, parallelLog);
    assert.ok(inlineLog.includes('reading sources in the main thread'));
    assert.ok(parallelLog.includes('reading 5 sources in up to 2 worker threads'));
    assert.ok(parallel.summary.totals.badRows > 0 && parallel.summary.totals.duplicateGroups > 0, 'the data exercises bad rows and duplicates');
    assert.deepEqual(parallel.discrepancies, inline.discrepancies);
    const { runId: _a, startedAt: _b, ...parallelSummary } = parallel.summary;
    const { runId: _c, startedAt: _d, ...inlineSummary } = inline.summary;
    assert.deepEqual(parallelSummary, inlineSummary);
    assert.deepEqual(parallel.proposals, inline.proposals);
  });

  it('reports a bad row under on_corrupt_data: fail with its file and line from a worker', async () => {
    writeFileSync(workspace.config, `${readFileSync(workspace.config, 'utf8').replace('on_corrupt_data: log', 'on_corrupt_data: fail')}`);
    await assert.rejects(dryRun(workspace, true), (error: Error & { code?: string; file?: string; line?: number }) => {
      assert.equal(error.code, 'SOURCE_BAD_ROW');
      assert.match(error.file ?? '', /input\/[B-E]\.csv$/);
      assert.ok((error.line ?? 0) > 1);
      return true;
    });
  });
});
