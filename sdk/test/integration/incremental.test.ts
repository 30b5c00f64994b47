/**
 * Incremental mode gives exactly what a full run gives (issue: incremental mode): two
 * workspaces with the same inputs and history, one running `incremental`, one `full`,
 * must end every step with identical reports and registries, over many randomised change
 * sets (keys added, removed, renamed; a system added or dropped), and with the same
 * discrepancy groups stored, though the incremental one carries those of unchanged systems forward.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import Database from 'better-sqlite3';
import { generateMockData, openWorkspace, type ReconcileResult, type Workspace } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { readReports } from '../helpers/reports.js';
import { teamRegistryDatabase, testServer } from '../helpers/servers.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

type Change =
  | { readonly kind: 'add'; readonly system: number; readonly count: number }
  | { readonly kind: 'remove'; readonly system: number; readonly count: number }
  | { readonly kind: 'rename'; readonly system: number; readonly count: number }
  /** Other columns rewritten, keys kept: the source is taken from its snapshot by keys digest. */
  | { readonly kind: 'editOthers'; readonly system: number; readonly count: number }
  /** A field added to some rows, keys kept: they become irregular rows, so the digest must differ. */
  | { readonly kind: 'ragged'; readonly system: number; readonly count: number }
  | { readonly kind: 'toggleSystem' };

const SYSTEMS = ['A', 'B', 'C', 'D'];

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), system: fc.nat(3), count: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('remove' as const), system: fc.nat(3), count: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('rename' as const), system: fc.nat(3), count: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('editOthers' as const), system: fc.nat(3), count: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('ragged' as const), system: fc.nat(3), count: fc.integer({ min: 1, max: 5 }) }),
  fc.constant({ kind: 'toggleSystem' as const }),
);

/** Applies a change to a workspace's input files (and config, for a system toggle), deterministically. */
function applyChange(workspace: TempWorkspace, step: Change, salt: number): void {
  if (step.kind === 'toggleSystem') {
    const config = readFileSync(workspace.config, 'utf8');
    const withE = /\n {2}E: \{ path: \.\/input\/E\.csv \}/;
    writeFileSync(workspace.config, withE.test(config) ? config.replace(withE, '') : config.replace(/(\n {2}D: \{ path: \.\/input\/D\.csv \})/, '$1\n  E: { path: ./input/E.csv }'));
    return;
  }
  const file = workspace.file('input', `${SYSTEMS[step.system]}.csv`);
  const [header, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
  let body = rows;
  if (step.kind === 'add') body = [...rows, ...Array.from({ length: step.count }, (_, i) => `NEW-${salt}-${i},2026-01-01,x,active`)];
  if (step.kind === 'remove') body = rows.filter((_, i) => (i * 7 + salt) % Math.max(1, Math.floor(rows.length / step.count)) !== 0);
  if (step.kind === 'rename') body = rows.map((row, i) => (i % Math.max(1, Math.floor(rows.length / step.count)) === salt % 3 ? row.replace(/^[^,]*/, `REN-${salt}-${i}`) : row));
  if (step.kind === 'editOthers') body = rows.map((row, i) => (i % Math.max(1, Math.floor(rows.length / step.count)) === salt % 3 ? editOthers(row, salt) : row));
  if (step.kind === 'ragged') body = rows.map((row, i) => (i % Math.max(1, Math.floor(rows.length / step.count)) === salt % 3 ? `${row},extra` : row));
  writeFileSync(file, `${header}\n${body.join('\n')}\n`);
}

/** A row with its key kept and every other field rewritten (as many fields as before). */
function editOthers(row: string, salt: number): string {
  const [key, ...others] = row.split(',');
  return [key, ...others.map((_, i) => `edited-${salt}-${i}`)].join(',');
}

/** Two workspaces with the same mock data (normal scenario, 2,000 keys): one to run incremental, one full. */
async function twinWorkspaces(seed: number): Promise<{ readonly incremental: TempWorkspace; readonly full: TempWorkspace }> {
  const incremental = tempWorkspace();
  const full = tempWorkspace();
  try {
    mkdirSync(incremental.file('input'), { recursive: true });
    writeFileSync(incremental.config, 'processing: { parallel: false }\nlogging: { file: null }\n');
    await generateMockData({ dir: incremental.dir, configPath: incremental.config, scenario: 'normal', keys: 2000, seed });
    cpSync(incremental.dir, full.dir, { recursive: true });
    return { incremental, full };
  } catch (error) {
    incremental.remove();
    full.remove();
    throw error;
  }
}

/** A run's stored discrepancy groups, entries and all (what the editor's views read), with the workspace folder masked. */
async function storedDiscrepancies(ws: Workspace, runId: string, workspace: TempWorkspace): Promise<unknown> {
  const counts = await ws.runs.discrepancyCounts(runId);
  const groups = await Promise.all(counts.map(async ({ kind, system, count }) => [`${kind} ${system}`, { count, entries: await ws.runs.discrepancies(runId, kind, system) }] as const));
  return JSON.parse(JSON.stringify(Object.fromEntries(groups.sort(([a], [b]) => a.localeCompare(b)))).replaceAll(JSON.stringify(workspace.dir).slice(1, -1), '<WS>'));
}

function registryRows(workspace: TempWorkspace): unknown[] {
  const db = new Database(workspace.file('data/keysync.db'), { readonly: true });
  try {
    return db.prepare('select id, normalized_key, master_key, source_system, source_key, status from master_keys order by id').all();
  } finally {
    db.close();
  }
}

/** The newest run's reports, with run ids, times and the workspace folder masked. */
function latestReports(workspace: TempWorkspace, result: ReconcileResult): Record<string, string> {
  const only = workspace.file('compared', result.runId);
  mkdirSync(only, { recursive: true });
  for (const file of Object.values(result.reports)) cpSync(file, path.join(only, path.basename(file)));
  // The run's mode is the one intended difference (in its run_started event).
  return Object.fromEntries(Object.entries(readReports(only, workspace.dir)).map(([name, text]) => [name, text.replaceAll('incremental run', 'full run')]));
}

describe('incremental mode equals a full run (randomised change sets)', function () {
  this.timeout(600_000);
  let incremental: TempWorkspace;
  let full: TempWorkspace;
  let wsIncremental: Workspace;
  let wsFull: Workspace;
  let carried = 0;
  let comparisonsCarried = 0;
  const countCarried = (_level: string, message: string) => {
    const groups = /^(\d+) discrepancy groups carried forward/.exec(message);
    if (groups) carried += Number(groups[1]);
    if (/its comparison is carried forward$/.test(message)) comparisonsCarried++;
  };

  before(async () => {
    incremental = tempWorkspace();
    mkdirSync(incremental.file('input'), { recursive: true });
    writeFileSync(
      incremental.config,
      'authority: A\nsources:\n  A: { path: ./input/A.csv }\n  B: { path: ./input/B.csv }\n  C: { path: ./input/C.csv }\n  D: { path: ./input/D.csv }\n' +
        'processing: { parallel: false }\nlogging: { file: null }\n',
    );
    await generateMockData({ dir: incremental.dir, scenario: 'drift', keys: 400, seed: 5 });
    full = tempWorkspace();
    cpSync(incremental.dir, full.dir, { recursive: true });
    wsIncremental = await openWorkspace(incremental.config, { onLog: countCarried });
    wsFull = await openWorkspace(full.config);
  });
  after(async () => {
    await wsIncremental.close();
    await wsFull.close();
    incremental.remove();
    full.remove();
  });

  it('ends every change set with the same reports, registry and summary', async () => {
    let salt = 0;
    let runs = 0;
    let reused = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 4 }), async (changes) => {
        for (const step of changes) {
          salt++;
          applyChange(incremental, step, salt);
          applyChange(full, step, salt);
        }
        // A toggled system changes the config: both workspaces reopen it.
        if (changes.some((step) => step.kind === 'toggleSystem')) {
          await Promise.all([wsIncremental.close(), wsFull.close()]);
          [wsIncremental, wsFull] = await Promise.all([openWorkspace(incremental.config, { onLog: countCarried }), openWorkspace(full.config)]);
        }
        const [inc, fullRun] = [await wsIncremental.reconcile({ mode: 'incremental' }), await wsFull.reconcile({ mode: 'full' })];
        runs++;
        reused += inc.summary.systems.filter((system) => system.fromSnapshot).length;
        assert.deepEqual(inc.discrepancies, fullRun.discrepancies);
        assert.deepEqual(
          inc.summary.systems.map(({ fromSnapshot: _f, file: _p, ...rest }) => rest),
          fullRun.summary.systems.map(({ fromSnapshot: _f, file: _p, ...rest }) => rest),
        );
        assert.deepEqual(inc.summary.totals, fullRun.summary.totals);
        assert.deepEqual(registryRows(incremental), registryRows(full));
        const incReports = latestReports(incremental, inc);
        const fullReports = latestReports(full, fullRun);
        assert.deepEqual(incReports, fullReports);
        // Groups the incremental run carried forward from its previous run are stored as the full run wrote them.
        assert.deepEqual(await storedDiscrepancies(wsIncremental, inc.runId, incremental), await storedDiscrepancies(wsFull, fullRun.runId, full));
      }),
      { numRuns: 30, seed: 20261128 },
    );
    assert.ok(runs >= 30);
    assert.ok(reused > runs, `unchanged systems came from snapshots (${reused} times over ${runs} runs)`);
    assert.ok(carried > runs, `discrepancy groups of unchanged systems were carried forward (${carried} over ${runs} runs)`);
    assert.ok(comparisonsCarried > 0, 'a change set that changed no key carried the whole comparison forward');
    console.log(`      (${carried} groups and ${comparisonsCarried} whole comparisons carried over ${runs} runs)`);
  });
});

describe('an incremental run killed as it commits, then resumed, ends as a full run does', function () {
  this.timeout(300_000);

  it('gives the full run\'s reports and registry after 5 % of B changed', async () => {
    const { incremental, full } = await twinWorkspaces(11);
    try {
      for (const workspace of [incremental, full]) {
        const first = await runCli(['-c', workspace.config, '-q', '-m', 'full']);
        assert.equal(first.code, 0, first.stderr);
        const file = workspace.file('input', 'B.csv');
        const [header, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
        writeFileSync(file, `${header}\n${rows.map((row, i) => (i % 20 === 0 ? row.replace(/^[^,]*/, `NEW-${i}`) : row)).join('\n')}\n`);
      }
      const killed = await runCli(['-c', incremental.config, '-q', '-m', 'incremental'], { env: { KEYSYNC_FAULT_KILL_AT: 'persist' } });
      assert.equal(killed.signal, 'SIGKILL');
      const resumed = await runCli(['-c', incremental.config, '-q', '--json', '--resume']);
      assert.equal(resumed.code, 0, resumed.stderr);
      const fromSnapshot = (JSON.parse(resumed.stdout) as ReconcileResult).summary.systems.filter((system) => system.fromSnapshot).map((system) => system.system);
      assert.deepEqual(fromSnapshot, ['A', 'C', 'D', 'E'], 'the resumed run took every unchanged source from its snapshot');
      const fullRun = await runCli(['-c', full.config, '-q', '-m', 'full']);
      assert.equal(fullRun.code, 0, fullRun.stderr);
      // The resumed run's audit log also says it was interrupted and resumed (two more events, so
      // later ids are two higher); everything else must be the full run's.
      const reports = (workspace: TempWorkspace) =>
        Object.fromEntries(
          Object.entries(readReports(workspace.file('output'), workspace.dir)).map(([name, text]) => {
            const same = text.replaceAll('incremental run', 'full run');
            if (name !== 'audit_log') return [name, same];
            const events = same.split('\n').filter((line) => !/^\d+,<TS>,run_(failed|resumed),/.test(line));
            return [name, events.map((line) => line.replace(/^\d+,/, '<id>,')).join('\n')];
          }),
        );
      const resumedReports = reports(incremental);
      assert.match(readReports(incremental.file('output'), incremental.dir).audit_log!, /,run_resumed,/);
      assert.deepEqual(resumedReports, reports(full));
      assert.deepEqual(registryRows(incremental), registryRows(full));
    } finally {
      incremental.remove();
      full.remove();
    }
  });
});

describe('a source file whose other columns changed is taken from its snapshot (keys digest)', function () {
  this.timeout(300_000);

  it('gives the full run\'s results, keeps the snapshot under the file\'s new fingerprint, and a failed run leaves it', async () => {
    const { incremental, full } = await twinWorkspaces(12);
    try {
      const [wsIncremental, wsFull] = await Promise.all([openWorkspace(incremental.config), openWorkspace(full.config)]);
      try {
        const first = await wsIncremental.reconcile({ mode: 'full' });
        await wsFull.reconcile({ mode: 'full' });
        const snapshotOfB = (workspace: TempWorkspace) => {
          const db = new Database(workspace.file('data/keysync.db'), { readonly: true });
          try {
            return db.prepare("select run_id, snapshot_file from source_snapshots where system = 'B'").get() as { run_id: string; snapshot_file: string };
          } finally {
            db.close();
          }
        };
        assert.equal(snapshotOfB(incremental).run_id, first.runId);
        const written = snapshotOfB(incremental).snapshot_file;
        for (const workspace of [incremental, full]) {
          const file = workspace.file('input', 'B.csv');
          const [header, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
          writeFileSync(file, `${header}\n${rows.map((row, i) => (i % 20 === 0 ? editOthers(row, 1) : row)).join('\n')}\n`);
        }

        // A run that fails after taking B by its digest removes nothing of B's snapshot.
        await assert.rejects(
          wsIncremental.reconcile({
            mode: 'incremental',
            onProgress: (event) => {
              if (event.stage === 'persist') throw new Error('stopped by the test');
            },
          }),
        );
        assert.ok(existsSync(path.join(incremental.file('data/keysync.db.snapshots'), written)));
        assert.equal(snapshotOfB(incremental).run_id, first.runId);

        const inc = await wsIncremental.reconcile({ mode: 'incremental' });
        const fullRun = await wsFull.reconcile({ mode: 'full' });
        assert.deepEqual(inc.summary.systems.filter((system) => system.fromSnapshot).map((system) => system.system), ['A', 'B', 'C', 'D', 'E']);
        assert.deepEqual(inc.discrepancies, fullRun.discrepancies);
        assert.deepEqual(inc.summary.totals, fullRun.summary.totals);
        // Every report but the audit log, which also has the failed run's events.
        const { audit_log: _events, ...reports } = latestReports(incremental, inc);
        const { audit_log: _fullEvents, ...fullReports } = latestReports(full, fullRun);
        assert.deepEqual(reports, fullReports);
        // Stored again under the file's new fingerprint: the next run finds B unchanged without a digest.
        assert.deepEqual(snapshotOfB(incremental), { run_id: inc.runId, snapshot_file: written });
        const next = await wsIncremental.reconcile({ mode: 'incremental' });
        assert.ok(next.summary.systems.every((system) => system.fromSnapshot));
        assert.deepEqual(next.discrepancies, fullRun.discrepancies);
      } finally {
        await Promise.all([wsIncremental.close(), wsFull.close()]);
      }
    } finally {
      incremental.remove();
      full.remove();
    }
  });
});

describe('an incremental run over unchanged keys takes the previous run\'s probable matches', function () {
  this.timeout(300_000);

  /** A run's probable matches as stored for the next run. */
  function storedMatches(workspace: TempWorkspace, runId: string): unknown[] {
    const db = new Database(workspace.file('data/keysync.db'), { readonly: true });
    try {
      const parts = db.prepare('select entries from run_probable_matches where run_id = ? order by part').all(runId) as { entries: string }[];
      return parts.flatMap((part) => JSON.parse(part.entries) as unknown[]);
    } finally {
      db.close();
    }
  }

  it('while keys, settings and decisions are the same; a "not a match" or another setting makes it match again, as a full run does', async () => {
    const workspace = tempWorkspace();
    const carried: string[] = [];
    const onLog = (_level: string, message: string) => {
      if (/^probable matches taken from run /.test(message)) carried.push(message);
    };
    try {
      mkdirSync(workspace.file('input'), { recursive: true });
      writeFileSync(workspace.config, 'processing: { parallel: false }\nlogging: { file: null }\n');
      await generateMockData({ dir: workspace.dir, configPath: workspace.config, scenario: 'normal', keys: 2000, seed: 3, failures: ['match-variants'] });
      let ws = await openWorkspace(workspace.config, { onLog });
      try {
        const first = await ws.reconcile({ mode: 'incremental' });
        assert.ok(first.probableMatches.length > 0, 'the injected variants have probable matches');
        assert.deepEqual(storedMatches(workspace, first.runId), JSON.parse(JSON.stringify(first.probableMatches)));
        assert.deepEqual(carried, []);

        const unchanged = await ws.reconcile({ mode: 'incremental' });
        assert.deepEqual(carried, [`probable matches taken from run ${first.runId}: the same keys, settings and decisions`]);
        assert.deepEqual(unchanged.probableMatches, first.probableMatches);
        assert.deepEqual(storedMatches(workspace, unchanged.runId), storedMatches(workspace, first.runId));

        // A decision since: matched again, and the rejected pair is gone, as from a full run.
        const [{ key, candidates }] = unchanged.probableMatches;
        await ws.registry.notAMatch(key, candidates[0]!.authorityKey, { actor: 'test' });
        const afterDecision = await ws.reconcile({ mode: 'incremental' });
        assert.equal(carried.length, 1);
        assert.ok(!afterDecision.probableMatches.some((match) => match.key === key && match.candidates.some((candidate) => candidate.authorityKey === candidates[0]!.authorityKey)));
        assert.deepEqual(afterDecision.probableMatches, (await ws.reconcile({ mode: 'full' })).probableMatches);

        // Another setting: matched again.
        await ws.close();
        writeFileSync(workspace.config, `${readFileSync(workspace.config, 'utf8')}\nmatching: { min_score: 0.9 }\n`);
        ws = await openWorkspace(workspace.config, { onLog });
        const stricter = await ws.reconcile({ mode: 'incremental' });
        assert.equal(carried.length, 1);
        assert.deepEqual(stricter.probableMatches, (await ws.reconcile({ mode: 'full' })).probableMatches);
        assert.ok(stricter.probableMatches.length < afterDecision.probableMatches.length);
      } finally {
        await ws.close();
      }
    } finally {
      workspace.remove();
    }
  });
});

describe('an incremental run after the systems were put in another order', function () {
  this.timeout(300_000);

  it('matches and compares again, as a full run does: a reason names the systems in config order', async () => {
    const workspace = tempWorkspace();
    const carried: string[] = [];
    const onLog = (_level: string, message: string) => {
      if (/^probable matches taken from run |comparison is carried forward/.test(message)) carried.push(message);
    };
    const configIn = (order: readonly string[]) =>
      `processing: { parallel: false }\nlogging: { file: null }\nauthority: A\nsources:\n${order.map((system) => `  ${system}: { path: ./input/${system}.csv }\n`).join('')}`;
    const reasons = (result: ReconcileResult) => result.probableMatches.flatMap((match) => match.candidates.map((candidate) => candidate.reason));
    try {
      mkdirSync(workspace.file('input'), { recursive: true });
      writeFileSync(workspace.config, configIn(['A', 'B', 'C', 'D', 'E']));
      await generateMockData({ dir: workspace.dir, configPath: workspace.config, scenario: 'normal', keys: 2000, seed: 3, failures: ['match-variants'] });
      let ws = await openWorkspace(workspace.config, { onLog });
      let inOrder: ReconcileResult;
      try {
        await ws.reconcile({ mode: 'incremental' });
        inOrder = await ws.reconcile({ mode: 'incremental' });
        assert.equal(carried.length, 2, 'unchanged, the second run carries the comparison and the matches');
      } finally {
        await ws.close();
      }
      writeFileSync(workspace.config, configIn(['A', 'E', 'D', 'C', 'B']));
      ws = await openWorkspace(workspace.config, { onLog });
      try {
        const reordered = await ws.reconcile({ mode: 'incremental' });
        assert.equal(carried.length, 2, 'nothing carried from the run in the other order');
        const full = await ws.reconcile({ mode: 'full' });
        assert.deepEqual(reordered.probableMatches, full.probableMatches);
        assert.deepEqual(reordered.discrepancies, full.discrepancies);
        assert.notDeepEqual(reasons(full), reasons(inOrder), 'the data has reasons naming several systems, so the order shows');
      } finally {
        await ws.close();
      }
    } finally {
      workspace.remove();
    }
  });
});

describe('an incremental run whose every source is as the previous run compared it carries the comparison forward', function () {
  this.timeout(300_000);

  it('equal to a full run, bad rows, duplicates and probable matches included, and stores what it took', async () => {
    const { incremental, full } = await twinWorkspaces(21);
    const carriedFrom: string[] = [];
    const onLog = (_level: string, message: string) => {
      const carried = /^every system's keys are as run (\S+) compared them/.exec(message);
      if (carried) carriedFrom.push(carried[1]!);
    };
    try {
      for (const workspace of [incremental, full]) {
        await generateMockData({ dir: workspace.dir, configPath: workspace.config, scenario: 'normal', keys: 2000, seed: 21, failures: ['corrupt-rows', 'mass-duplication', 'match-variants'], force: true });
      }
      const [wsIncremental, wsFull] = await Promise.all([openWorkspace(incremental.config, { onLog }), openWorkspace(full.config)]);
      try {
        const first = await wsIncremental.reconcile({ mode: 'incremental' });
        await wsFull.reconcile({ mode: 'full' });
        assert.ok(first.discrepancies.duplicates.length > 0 && first.probableMatches.length > 0 && first.summary.systems.some((system) => system.badRows > 0));
        // Nothing changed, then other columns of C only (taken by keys digest): the comparison is carried both times.
        const steps = [() => undefined, () => {
          for (const workspace of [incremental, full]) {
            const file = workspace.file('input', 'C.csv');
            const [header, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
            writeFileSync(file, `${header}\n${rows.map((row, i) => (i % 7 === 0 ? editOthers(row, i) : row)).join('\n')}\n`);
          }
        }];
        let previous = first;
        for (const step of steps) {
          step();
          const inc = await wsIncremental.reconcile({ mode: 'incremental' });
          const fullRun = await wsFull.reconcile({ mode: 'full' });
          assert.equal(carriedFrom.at(-1), previous.runId);
          assert.deepEqual(inc.discrepancies, fullRun.discrepancies);
          assert.deepEqual(inc.probableMatches, fullRun.probableMatches);
          assert.deepEqual(inc.summary.totals, fullRun.summary.totals);
          assert.deepEqual(inc.summary.systems.map(({ fromSnapshot: _f, file: _p, ...rest }) => rest), fullRun.summary.systems.map(({ fromSnapshot: _f, file: _p, ...rest }) => rest));
          assert.deepEqual(latestReports(incremental, inc), latestReports(full, fullRun));
          assert.deepEqual(await storedDiscrepancies(wsIncremental, inc.runId, incremental), await storedDiscrepancies(wsFull, fullRun.runId, full));
          previous = inc;
        }
        assert.equal(carriedFrom.length, steps.length);
      } finally {
        await Promise.all([wsIncremental.close(), wsFull.close()]);
      }
    } finally {
      incremental.remove();
      full.remove();
    }
  });
});

describe('carrying forward on a PostgreSQL team registry', function () {
  this.timeout(300_000);

  it('an unchanged run takes the comparison, matches and groups from the previous run; after a decision it matches again, as a full run does', async function () {
    const server = await testServer('postgres', this);
    const team = await teamRegistryDatabase(server);
    const workspace = tempWorkspace();
    const carried: string[] = [];
    const onLog = (_level: string, message: string) => {
      if (/its comparison is carried forward$|^probable matches taken from run |discrepancy groups carried forward/.test(message)) carried.push(message.replace(/run [^\s:]+/, 'run <id>'));
    };
    try {
      mkdirSync(workspace.file('input'), { recursive: true });
      writeFileSync(workspace.config, `processing: { parallel: false }\nlogging: { file: null }\ndatabase: { type: postgres, url: '${team.url(team.app)}' }\n`);
      await generateMockData({ dir: workspace.dir, configPath: workspace.config, scenario: 'normal', keys: 1000, seed: 8, failures: ['match-variants'] });
      const ws = await openWorkspace(workspace.config, { onLog });
      try {
        const first = await ws.reconcile({ mode: 'incremental' });
        assert.deepEqual(carried, []);
        const unchanged = await ws.reconcile({ mode: 'incremental' });
        assert.deepEqual(carried, [
          'every system\'s keys are as run <id> compared them: its comparison is carried forward',
          'probable matches taken from run <id>: the same keys, settings and decisions',
          '14 discrepancy groups carried forward from run <id>: their systems\' keys are unchanged',
        ]);
        assert.deepEqual(unchanged.discrepancies, first.discrepancies);
        assert.deepEqual(unchanged.probableMatches, first.probableMatches);
        for (const { kind, system } of await ws.runs.discrepancyCounts(first.runId)) {
          assert.deepEqual(await ws.runs.discrepancies(unchanged.runId, kind, system), await ws.runs.discrepancies(first.runId, kind, system), `${kind} ${system}`);
        }

        const [{ key, candidates }] = unchanged.probableMatches;
        await ws.registry.notAMatch(key, candidates[0]!.authorityKey, { actor: 'test' });
        carried.length = 0;
        const afterDecision = await ws.reconcile({ mode: 'incremental' });
        assert.deepEqual(carried, ['14 discrepancy groups carried forward from run <id>: their systems\' keys are unchanged']);
        const fullRun = await ws.reconcile({ mode: 'full' });
        assert.deepEqual(afterDecision.discrepancies, fullRun.discrepancies);
        assert.deepEqual(afterDecision.probableMatches, fullRun.probableMatches);
      } finally {
        await ws.close();
      }
    } finally {
      workspace.remove();
    }
  });
});
