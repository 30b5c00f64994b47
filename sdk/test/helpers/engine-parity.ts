/**
 * The engine parity check every pushdown engine's test shares (docs/behaviour.md §11): the real
 * CLI runs one workspace's copy per engine, and every report must be byte-identical once run
 * ids, times and the workspace path are masked, the registry the same, the exit code and the
 * run's outcome the same. Also the cases both engines' tests run.
 */
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { runCli, type CliResult } from './cli.js';
import { queryWorkspace } from './database.js';
import { readReports } from './reports.js';
import type { TempWorkspace } from './workspace.js';

export type Engine = 'node' | 'duckdb' | 'postgres';

export interface EngineRun {
  readonly result: CliResult;
  readonly reports: Record<string, string>;
  readonly registry: unknown[];
  readonly runs: unknown[];
  /** The engine each stored run summary names. */
  readonly engines: unknown[];
}

/** The mock-data scenarios each engine is run on (3,000 keys, seed 11). */
export const MOCK_SCENARIOS = ['normal', 'drift', 'failure', 'recovery'] as const;
export const MOCK_ARGS = (scenario: string) => ['--keys', '3000', '--seed', '11', '--scenario', scenario];

/** Padding, another delimiter, namespaced proposals and auto-approval: settings whose results each engine must match. */
export const OTHER_SETTINGS = 'normalize: { left_pad_numbers: true, pad_length: 8, collapse_delims: "." }\nprovisioning: { strategy: namespaced, auto_approve: true }\n';

/**
 * Keys whose characters byte order (a database's ORDER BY under "C") and UTF-16 order (Node's)
 * sort differently: U+E000 to U+FFFF against those past U+FFFF, kept by `BYTE_ORDER_SETTINGS`.
 * They are gaps (B lacks most of A), out-of-authority keys (B's W…9, V…7 in C), duplicates
 * (B's x😀3 and X😀3, w𐐨9 and W𐐀9, by upper case) and a probable match (X😀3, a typo of X😀1,
 * which B lacks and C holds), each list mixing both kinds of character.
 */
export const BYTE_ORDER_KEYS: Readonly<Record<'A' | 'B' | 'C', readonly string[]>> = {
  A: ['X\uFFFD1', 'X\u{1F600}1', 'X\uE0001', 'X\u{10400}1', 'Y\u{1F600}2', 'Y\uFFFD2', 'Z-1', 'Z-2'],
  B: ['X\uFFFD1', 'Z-1', 'W\uFFFD9', 'W\u{1F600}9', 'w\u{10428}9', 'W\u{10400}9', 'x\u{1F600}3', 'X\u{1F600}3'],
  C: ['X\u{1F600}1', 'Y\uFFFD2', 'Z-2', 'V\uE0007', 'V\u{1F600}7'],
};
export const BYTE_ORDER_SETTINGS = 'normalize: { strip_non_alnum: false }\n';

/** Appends the engine (and any other settings) to a workspace's config. */
export function useEngine(workspace: TempWorkspace, engine: Engine, extraConfig = ''): void {
  appendFileSync(workspace.config, `\n${extraConfig}processing: { engine: ${engine} }\n`);
}

/** Runs the CLI on a workspace and reads what the run left: reports, registry, runs. */
export async function runEngine(workspace: TempWorkspace, args: readonly string[], env?: NodeJS.ProcessEnv): Promise<EngineRun> {
  const result = await runCli(['-c', workspace.config, '-q', ...args], { env });
  const written = result.code === 0 || result.code === 3;
  return {
    result,
    reports: written ? readReports(workspace.file('output'), workspace.dir) : {},
    // Everything but the times a run stamps (created, status changed, activated) and its id.
    registry: written
      ? queryWorkspace<unknown>(workspace, 'SELECT id, master_key, normalized_key, source_system, source_key, status, strategy, linked_to FROM master_keys ORDER BY id')
      : [],
    runs: written ? queryWorkspace<unknown>(workspace, 'SELECT status, mode, summary IS NOT NULL AS summarized FROM runs') : [],
    engines: written ? queryWorkspace<unknown>(workspace, "SELECT summary ->> '$.engine' AS engine FROM runs WHERE summary IS NOT NULL").map((row) => (row as { engine: string }).engine) : [],
  };
}

/** The two runs gave the same exit code, reports (byte for byte), registry and runs; each run names its engine. */
export function assertSameRuns(engine: Engine, node: EngineRun, other: EngineRun): void {
  assert.equal(other.result.code, node.result.code, `exit codes: node ${node.result.stderr}, ${engine} ${other.result.stderr}`);
  assert.deepEqual(Object.keys(other.reports).sort(), Object.keys(node.reports).sort());
  for (const name of Object.keys(node.reports)) assert.equal(other.reports[name], node.reports[name], `${name} is the same under both engines`);
  assert.deepEqual(other.registry, node.registry);
  assert.deepEqual(other.runs, node.runs);
  assert.ok(node.engines.every((each) => each === 'node') && other.engines.every((each) => each === engine));
  assert.equal(other.engines.length, node.engines.length);
}
