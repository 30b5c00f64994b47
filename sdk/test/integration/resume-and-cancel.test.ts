/**
 * Checkpoint/resume and cancellation (issue: checkpoint/resume, cancellation): a CLI run
 * SIGKILLed at each stage boundary, then `keysync --resume`, ends exactly like an
 * uninterrupted run — no duplicate proposals or audit events; an aborted SDK run leaves
 * the previous state intact and is marked cancelled.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync } from 'node:fs';
import Database from 'better-sqlite3';
import { openWorkspace, type ReconcileStage } from '../../src/index.js';
import { RECONCILE_STAGES } from '../../src/reconcile.js';
import { runCli } from '../helpers/cli.js';
import { readReports } from '../helpers/reports.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

const STAGES: readonly ReconcileStage[] = RECONCILE_STAGES;

function query(workspace: TempWorkspace, sql: string): unknown[] {
  const db = new Database(workspace.file('data/keysync.db'), { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

/** The registry and the non-run audit events: what a clean history must equal. */
function durableState(workspace: TempWorkspace) {
  return {
    registry: query(workspace, 'select id, normalized_key, master_key, source_system, source_key, status, status_changed_by from master_keys order by id'),
    events: query(
      workspace,
      "select event_type, system, key, action, result, actor from audit_log where event_type not like 'run_%' order by id",
    ),
  };
}

describe('resume after a SIGKILL at each stage boundary', function () {
  this.timeout(120_000);
  let reference: TempWorkspace;
  let expectedState: ReturnType<typeof durableState>;
  let expectedReports: Record<string, string>;

  before(async () => {
    reference = tempWorkspace('dirty');
    assert.equal((await runCli(['-c', reference.config, '-q'])).code, 0);
    assert.equal((await runCli(['-c', reference.config, '-q', '--auto-approve'])).code, 0);
    expectedState = durableState(reference);
    expectedReports = readReports(reference.file('output'), reference.dir);
  });
  after(() => reference.remove());

  for (const stage of STAGES) {
    it(`resumes a run killed as "${stage}" starts, ending exactly like an uninterrupted run`, async () => {
      const workspace = tempWorkspace('dirty');
      try {
        assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
        const killed = await runCli(['-c', workspace.config, '-q', '--auto-approve'], { env: { KEYSYNC_FAULT_KILL_AT: stage } });
        assert.equal(killed.signal, 'SIGKILL');
        const [interrupted] = query(workspace, 'select id, status from runs order by started_at desc limit 1') as { id: string; status: string }[];
        assert.equal(interrupted!.status, 'running');

        const resumed = await runCli(['-c', workspace.config, '--resume', '--auto-approve', '--json']);
        assert.equal(resumed.code, 0, resumed.stderr);
        const result = JSON.parse(resumed.stdout) as { summary: { runId: string } };
        assert.equal(result.summary.runId, interrupted!.id, 'the resumed run keeps its id');
        assert.deepEqual(query(workspace, 'select status from runs order by started_at'), [{ status: 'completed' }, { status: 'completed' }]);
        assert.deepEqual(durableState(workspace), expectedState);
        assertSameReports(readReports(workspace.file('output'), workspace.dir), expectedReports);
        assert.equal((query(workspace, 'pragma integrity_check') as { integrity_check: string }[])[0]!.integrity_check, 'ok');
      } finally {
        workspace.remove();
      }
    });
  }

  it('refuses --resume when the latest run completed', async () => {
    const workspace = tempWorkspace('clean');
    try {
      assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
      const result = await runCli(['-c', workspace.config, '--resume']);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /no interrupted run to resume/);
    } finally {
      workspace.remove();
    }
  });
});

/**
 * The newest reports of the resumed history equal the reference's, but for the audit
 * log's run_* lines and ids (a resumed run also records that it failed and resumed).
 */
function assertSameReports(actual: Record<string, string>, expected: Record<string, string>): void {
  const withoutRunEvents = (text: string) =>
    text
      .split('\n')
      .filter((line) => !/^\d+,<TS>,run_/.test(line))
      .map((line) => line.replace(/^\d+,/, '#,'))
      .join('\n');
  for (const [name, text] of Object.entries(expected)) {
    if (name === 'audit_log') assert.equal(withoutRunEvents(actual[name]!), withoutRunEvents(text));
    else assert.equal(actual[name], text, `${name} matches the uninterrupted history`);
  }
}

describe('cancellation through the AbortSignal', function () {
  this.timeout(60_000);

  for (const stage of STAGES) {
    it(`stops a run as "${stage}" starts, marks it cancelled and leaves the previous state intact`, async () => {
      const workspace = tempWorkspace('dirty');
      try {
        const first = await openWorkspace(workspace.config);
        await first.reconcile({});
        await first.close();
        const before = durableState(workspace);
        // Report files only: the cancelled run keeps its stamp's claim file, for --resume.
        const reports = () => readdirSync(workspace.file('output')).filter((name) => name.endsWith('.csv')).sort();
        const reportsBefore = reports();
        const snapshotsBefore = readdirSync(workspace.file('data/keysync.db.snapshots')).sort();

        cpSync(workspace.file('input/A.csv'), workspace.file('input/B.csv'));
        const ws = await openWorkspace(workspace.config);
        const controller = new AbortController();
        await assert.rejects(
          ws.reconcile({ autoApprove: true, signal: controller.signal, onProgress: (event) => event.stage === stage && controller.abort() }),
          (error: Error & { kind?: string }) => error.kind === 'cancelled',
        );
        const [latest] = await ws.runs.list({ limit: 1 });
        await ws.close();
        assert.equal(latest?.status, 'cancelled');
        assert.deepEqual(durableState(workspace), before);
        assert.deepEqual(reports(), reportsBefore, 'no report of the cancelled run is left');
        assert.deepEqual(readdirSync(workspace.file('data/keysync.db.snapshots')).sort(), snapshotsBefore);
        assert.ok(existsSync(workspace.file('data/keysync.db')));
      } finally {
        workspace.remove();
      }
    });
  }
});
