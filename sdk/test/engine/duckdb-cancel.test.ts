/**
 * Cancelling the duckdb engine mid-statement (docs/behaviour.md §11): an abort interrupts the
 * DuckDB statement that is running, and the run ends as a cancelled run — the same outcome as
 * a node-engine cancel: nothing persisted, the CLI's exit 130, the spill folder gone.
 *
 * The statement is long by construction: normalising a million raw keys that are not in normal
 * form (lower case, `_`) in one CREATE TABLE … AS, seconds of DuckDB work. The abort comes as the
 * debug log says that statement is running, and the proof it did not run to its end is its own
 * log line: `interrupted`, never `done` (a statement that ended by itself would say `done`).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { isKeySyncError, openWorkspace } from '../../src/index.js';
import { openDuckDb } from '../../src/sources/duckdb/duckdb-session.js';
import { startCli } from '../helpers/cli.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

const AUTHORITY_KEYS = 1_000_000;
/** The statement the tests interrupt: the first system's normalisation (engine-sql.ts, keyRowsSql). */
const LONG_STATEMENT = 'CREATE TABLE rows_0_keyed';
const running = (statement: string) => new RegExp(`duckdb: running ${statement}`);
const ended = (outcome: string, statement: string) => new RegExp(`duckdb: ${outcome} after \\d+ ms: ${statement}`);

/** A workspace whose authority has a million raw keys, none in normal form, so normalising them is seconds of SQL. */
function bigWorkspace(): TempWorkspace {
  const workspace = tempWorkspace();
  const lines = ['key'];
  for (let i = 0; i < AUTHORITY_KEYS; i++) lines.push(`cust_${i}`);
  writeFileSync(workspace.file('A.csv'), `${lines.join('\n')}\n`);
  writeFileSync(workspace.file('B.csv'), 'key\ncust_1\ncust_x\n');
  writeFileSync(
    workspace.config,
    ['logging: { file: null }', 'processing: { engine: duckdb }', 'sources:', '  A: { path: ./A.csv }', '  B: { path: ./B.csv }', ''].join('\n'),
  );
  return workspace;
}

/** What a cancelled run must leave: no report, no spill folder, an empty registry. */
async function assertNothingPersisted(workspace: TempWorkspace): Promise<void> {
  const output = workspace.file('output');
  const reports = existsSync(output) ? readdirSync(output).filter((name) => name.endsWith('.csv')) : [];
  assert.deepEqual(reports, []);
  assert.equal(existsSync(workspace.file('data', 'duckdb-temp')), false, 'the spill folder is removed');
  const ws = await openWorkspace(workspace.config);
  try {
    const [run] = await ws.runs.list();
    assert.equal(run?.status, 'cancelled');
    assert.deepEqual(await ws.registry.list(), []);
  } finally {
    await ws.close();
  }
}

describe('cancelling the duckdb engine mid-statement (docs/behaviour.md §11)', function () {
  this.timeout(300_000);
  let workspace: TempWorkspace | undefined;
  afterEach(() => workspace?.remove());

  it('interrupts a statement aborted before DuckDB has started it (run, all, stream)', async () => {
    // DuckDB clears an interrupt as a query begins: one that lands while the statement is still
    // on its way is lost unless repeated. A query that would run for hours proves it was not.
    const endless = 'SELECT count(*) FROM range(1000000000000) a WHERE a.range % 7 = 3';
    workspace = tempWorkspace();
    for (const call of ['run', 'all', 'stream'] as const) {
      const controller = new AbortController();
      const session = await openDuckDb({ memoryLimit: '256MB', tempDirectory: workspace.file(call), signal: controller.signal });
      try {
        const statement = call === 'stream' ? session.stream(endless, () => undefined) : session[call](endless);
        controller.abort();
        await assert.rejects(statement, (error: unknown) => isKeySyncError(error) && error.code === 'RUN_CANCELLED', call);
      } finally {
        session.close();
      }
    }
  });

  it('through the SDK: an AbortSignal interrupts the running statement and the run is cancelled', async () => {
    workspace = bigWorkspace();
    const log: string[] = [];
    const controller = new AbortController();
    const ws = await openWorkspace(workspace.config, {
      onLog: (_level, message) => {
        log.push(message);
        if (running(LONG_STATEMENT).test(message)) controller.abort();
      },
    });
    try {
      await assert.rejects(ws.reconcile({ signal: controller.signal }), (error: unknown) => isKeySyncError(error) && error.code === 'RUN_CANCELLED');
    } finally {
      await ws.close();
    }
    const text = log.join('\n');
    assert.match(text, ended('interrupted', LONG_STATEMENT));
    assert.doesNotMatch(text, ended('done', LONG_STATEMENT));
    assert.match(text, /run \S+ cancelled/);
    await assertNothingPersisted(workspace);
  });

  it('through the CLI: Ctrl-C (SIGINT) interrupts the running statement, exit 130, nothing persisted', async () => {
    workspace = bigWorkspace();
    const cli = startCli(['-c', workspace.config, '-v']);
    await cli.stderrMatches(running(LONG_STATEMENT));
    process.kill(cli.pid, 'SIGINT');
    const result = await cli.result;
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, ended('interrupted', LONG_STATEMENT));
    assert.doesNotMatch(result.stderr, ended('done', LONG_STATEMENT));
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
    await assertNothingPersisted(workspace);
  });
});
