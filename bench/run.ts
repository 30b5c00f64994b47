/**
 * `npm run bench`: KeySync against what a user would pick instead, on the same files.
 * For each size (keys per system, five systems, normal scenario, fixed seed) it generates
 * the data, then times in separate processes: a full run on a fresh database (wall time,
 * keys/s, peak RSS, per-stage times), the same full run with `processing.engine: duckdb`
 * (its own database and output folder; DuckDB runs inside the keysync process, so its peak
 * RSS is the whole tree's), DuckDB and a coreutils pipeline doing the bare diff, and an
 * incremental run after 5 % of one system's keys changed. Prints a Markdown table
 * and writes it, with the raw figures as JSON, to bench/results/.
 *
 *   npm run bench                 # 10k, 100k, 1M
 *   npm run bench -- 10000 100000 # chosen sizes
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMockData } from '../sdk/src/index.js';
import { coreutilsBaseline } from './baselines/coreutils.js';
import { duckdbBaseline } from './baselines/duckdb.js';
import type { BaselineResult } from './baselines/types.js';
import { runKeysync, type KeysyncRun } from './keysync-process.js';
import { machine } from './machine.js';
import { resultJson } from './result-json.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'sdk/dist/cli.js');
const SYSTEMS = ['A', 'B', 'C', 'D', 'E'];
const SEED = 42;
const CHANGED_SHARE = 0.05;

type Measured = KeysyncRun;

interface Row {
  readonly keysPerSystem: number;
  readonly rows: number;
  readonly full: Measured;
  /** The full run again under the duckdb engine (the bench needs @duckdb/node-api for its baseline anyway). */
  readonly duckdbEngine: Measured;
  readonly incremental: Measured;
  readonly duckdb: BaselineResult;
  readonly coreutils: BaselineResult;
  readonly countsAgree: boolean;
}

/** Renames CHANGED_SHARE of system B's keys to keys no system has: a realistic partial change. */
function changeOneSystem(inputDir: string): number {
  const file = path.join(inputDir, 'B.csv');
  const [header, ...lines] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const every = Math.round(1 / CHANGED_SHARE);
  let changed = 0;
  const edited = lines.map((line, i) => (i % every === 0 ? (changed++, line.replace(/^[^,]*/, `CHANGED-${i}`)) : line));
  writeFileSync(file, `${header}\n${edited.join('\n')}\n`);
  return changed;
}

async function measure(keysPerSystem: number): Promise<Row> {
  const dir = path.join(repo, 'bench/work', `n${keysPerSystem}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'keysync-config.yaml'), 'logging: { file: null }\n');
  const generated = await generateMockData({ dir, scenario: 'normal', keys: keysPerSystem, seed: SEED });
  const rows = generated.files.reduce((sum, file) => sum + file.rows, 0);
  const config = path.join(dir, 'keysync-config.yaml');

  const full = await runKeysync(cli, ['-c', config, '-m', 'full']);
  const duckdbConfig = path.join(dir, 'keysync-duckdb.yaml');
  writeFileSync(duckdbConfig, 'logging: { file: null }\nprocessing: { engine: duckdb }\ndatabase: { path: ./data/duckdb-engine.db }\noutput: { directory: ./output-duckdb }\n');
  const duckdbEngine = await runKeysync(cli, ['-c', duckdbConfig]);
  const duckdb = await duckdbBaseline(path.join(dir, 'input'), SYSTEMS);
  const coreutils = await coreutilsBaseline(path.join(dir, 'input'), SYSTEMS);
  const { summary } = full.result;
  const gaps = Object.fromEntries(summary.systems.filter((s) => s.role !== 'authority').map((s) => [s.system, s.gaps]));
  const countsAgree =
    [duckdb, coreutils].every(
      (baseline) => JSON.stringify(baseline.gaps) === JSON.stringify(gaps) && baseline.outOfAuthority === summary.totals.keysMissingInAuthority,
    ) && JSON.stringify(duckdbEngine.result.summary.totals) === JSON.stringify(summary.totals);

  changeOneSystem(path.join(dir, 'input'));
  const incremental = await runKeysync(cli, ['-c', config, '-m', 'incremental']);
  return { keysPerSystem, rows, full, duckdbEngine, incremental, duckdb, coreutils, countsAgree };
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const count = (value: number) => value.toLocaleString('en-US');

function table(rows: readonly Row[]): string {
  const header =
    '| keys/system × 5 | full run | keys/s | peak RSS | read · compare · match · provision · reports · persist | full run, duckdb engine | its peak RSS | its read · compare · match · provision · reports · persist | incremental (5 % of B changed) | full ÷ incremental | DuckDB bare diff | coreutils bare diff | KeySync ÷ DuckDB | KeySync ÷ coreutils | counts agree |';
  const lines = rows.map((row) => {
    const t = row.full.result.timings;
    const stages = [t.read, t.compare, t.match, t.provision, t.reports, t.persist].map(seconds).join(' · ');
    const d = row.duckdbEngine.result.timings;
    const duckdbStages = [d.read, d.compare, d.match, d.provision, d.reports, d.persist].map(seconds).join(' · ');
    return (
      `| ${count(row.keysPerSystem)} | ${seconds(row.full.wallMs)} s | ${count(Math.round((row.keysPerSystem * SYSTEMS.length) / (row.full.wallMs / 1000)))} | ` +
      `${count(Math.round(row.full.maxRssKb / 1024))} MB | ${stages} s | ${seconds(row.duckdbEngine.wallMs)} s | ${count(Math.round(row.duckdbEngine.maxRssKb / 1024))} MB | ${duckdbStages} s | ` +
      `${seconds(row.incremental.wallMs)} s | ${(row.full.wallMs / row.incremental.wallMs).toFixed(1)}× | ` +
      `${seconds(row.duckdb.wallMs)} s | ${seconds(row.coreutils.wallMs)} s | ${(row.full.wallMs / row.duckdb.wallMs).toFixed(2)} | ` +
      `${(row.full.wallMs / row.coreutils.wallMs).toFixed(2)} | ${row.countsAgree ? 'yes' : 'NO'} |`
    );
  });
  return [header, `|${' --- |'.repeat(15)}`, ...lines].join('\n');
}

function scaling(rows: readonly Row[]): string {
  const small = rows.find((row) => row.keysPerSystem === 100_000);
  const large = rows.find((row) => row.keysPerSystem === 1_000_000);
  if (!small || !large) return '';
  const exponent = Math.log(large.full.wallMs / small.full.wallMs) / Math.log(10);
  return `Full-run cost grows as keys^${exponent.toFixed(2)} between 100k and 1M keys per system.`;
}

const sizes = process.argv.slice(2).map(Number).filter((size) => size > 0);
const results: Row[] = [];
const loadBefore = os.loadavg();
for (const size of sizes.length ? sizes : [10_000, 100_000, 1_000_000]) {
  console.error(`bench: ${count(size)} keys per system…`);
  results.push(await measure(size));
}
const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(', ');
const markdown = [
  `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine()}; load average ${load(loadBefore)} before, ${load(os.loadavg())} after. Normal scenario, seed ${SEED}, five systems;`,
  'each KeySync run is a fresh `keysync` process writing all ten reports and the SQLite registry;',
  'the full run starts from an empty database. DuckDB and coreutils only compute the bare diff (gap and out-of-authority counts).',
  'The duckdb-engine run is the same full run with `processing.engine: duckdb` (default memory_limit) on a fresh database of its own;',
  '"counts agree" also requires its summary totals to equal the node engine\'s.',
  '',
  table(results),
  '',
  scaling(results),
].join('\n');
console.log(markdown);
mkdirSync(path.join(repo, 'bench/results'), { recursive: true });
writeFileSync(path.join(repo, 'bench/results/latest.md'), `${markdown}\n`);
writeFileSync(
  path.join(repo, 'bench/results/latest.json'),
  resultJson({ machine: machine(), date: new Date().toISOString(), load: { before: loadBefore, after: os.loadavg() }, seed: SEED, results }),
);
