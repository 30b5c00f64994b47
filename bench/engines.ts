/**
 * `npm run bench:engines` (and the last part of `npm run bench`): the duckdb and node engines
 * on the same data at large sizes, for docs/scaling.md. For each size (keys per system, five
 * systems, normal scenario, seed 42) it generates the data once (kept in bench/work/engines-n<keys>
 * for the next run), then runs, each in a fresh `keysync` process on a fresh database:
 *   - the duckdb engine with memory_limit 2GB, matching on (the default) and off;
 *   - the node engine, where it fits in this machine's memory (estimated from its bytes per
 *     row, below) — otherwise the row says why it was not run.
 * Wall time and the peak RSS of the whole process tree (sampled from /proc every 200 ms,
 * and the process's own peak, whichever is higher) go to bench/results/engines.md.
 *
 *   npm run bench:engines                 # 1M and 20M keys per system
 *   npm run bench:engines -- 1000000      # chosen sizes
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReconcileResult } from '../sdk/src/index.js';
import { machine } from './machine.js';
import { GENERATOR_HEAP_MB, mockGenerationArgs, type GeneratedFile } from './mock-generation.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'sdk/dist/cli.js');
const SEED = 42;
const SYSTEMS = 5;
const MEMORY_LIMIT = '2GB';
/** The node engine's peak per row read, measured at 1M keys × 5 (1,333–1,494 MB for ~4.7M rows, bench/results/duckdb-engine.md), with room to spare. */
const NODE_BYTES_PER_ROW = 400;
/** The heap it needs per key per system: 1M keys × 5 generate within a 350 MB heap (472 MB RSS), rounded up. */
const GENERATOR_BYTES_PER_KEY = 400;

interface Measured {
  readonly wallMs: number;
  readonly treePeakKb: number;
  /** A completed run's stage times and summary totals (no paths: the JSON is committed). */
  readonly result?: { readonly timings: ReconcileResult['timings']; readonly totals: ReconcileResult['summary']['totals'] };
  readonly failure?: string;
}

interface EngineRun {
  readonly label: string;
  readonly measured?: Measured;
  /** Why it was not run. */
  readonly skipped?: string;
}

interface SizeResult {
  readonly keysPerSystem: number;
  readonly rows?: number;
  readonly generation?: Measured;
  readonly runs: readonly EngineRun[];
  readonly load: { readonly before: string; readonly after: string };
  /** When this size was measured (UTC). */
  readonly at: string;
}

/** Resident size of a process and all its descendants, from /proc (0 once it is gone). */
function treeRssKb(pid: number): number {
  let total = 0;
  const visit = (id: number) => {
    try {
      total += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${id}/status`, 'utf8'))?.[1] ?? 0);
      for (const task of readdirSync(`/proc/${id}/task`)) {
        for (const child of readFileSync(`/proc/${id}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) visit(Number(child));
      }
    } catch {
      // The process ended between two reads.
    }
  };
  visit(pid);
  return total;
}

/** Runs a command, sampling its tree's RSS; `args` get the peak-RSS reporter preloaded. */
function measured(args: readonly string[]): Promise<Measured & { stdout: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('nice', ['-n', '10', process.execPath, '--import', path.join(repo, 'bench/report-max-rss.mjs'), ...args]);
    let stdout = '';
    let stderr = '';
    let treePeakKb = 0;
    const sampler = setInterval(() => (treePeakKb = Math.max(treePeakKb, treeRssKb(child.pid!))), 200);
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sampler);
      const wallMs = performance.now() - started;
      const ownPeakKb = Number(/KEYSYNC_BENCH_MAX_RSS_KB=(\d+)/.exec(stderr)?.[1] ?? 0);
      const failure = code === 0 ? undefined : `exit ${code}: ${stderr.replace(/KEYSYNC_BENCH_MAX_RSS_KB=\d+/, '').trim().split('\n').slice(-3).join(' ')}`;
      resolve({ wallMs, treePeakKb: Math.max(treePeakKb, ownPeakKb), stdout, failure });
    });
  });
}

/** The data for a size, generated once: a marker says which keys and seed the folder holds. */
async function data(keysPerSystem: number): Promise<{ dir: string; rows?: number; generation?: Measured }> {
  const dir = path.join(repo, 'bench/work', `engines-n${keysPerSystem}`);
  const marker = path.join(dir, 'generated.json');
  if (existsSync(marker)) {
    const done = JSON.parse(readFileSync(marker, 'utf8')) as { keys: number; seed: number; rows: number };
    if (done.keys === keysPerSystem && done.seed === SEED) return { dir, rows: done.rows };
  }
  const needs = keysPerSystem * GENERATOR_BYTES_PER_KEY;
  if (needs > GENERATOR_HEAP_MB * 2 ** 20) {
    const failure = `the mock-data generator needs about ${gb(needs)} at this size (${GENERATOR_BYTES_PER_KEY} bytes per key per system), more than the ${gb(GENERATOR_HEAP_MB * 2 ** 20)} it may take here`;
    return { dir, generation: { wallMs: 0, treePeakKb: 0, failure } };
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'keysync-config.yaml'), 'logging: { file: null }\n');
  // The generator's output names its files by absolute path: it is read here, not kept in the results.
  const { stdout, ...generation } = await measured(mockGenerationArgs(dir, keysPerSystem, SEED));
  if (generation.failure) return { dir, generation };
  const rows = (JSON.parse(stdout) as GeneratedFile[]).reduce((sum, file) => sum + file.rows, 0);
  writeFileSync(marker, JSON.stringify({ keys: keysPerSystem, seed: SEED, rows }));
  return { dir, rows, generation };
}

async function runEngine(dir: string, label: string, config: string): Promise<EngineRun> {
  const name = label.replace(/\W+/g, '-');
  const file = path.join(dir, `keysync-${name}.yaml`);
  rmSync(path.join(dir, `data-${name}`), { recursive: true, force: true });
  rmSync(path.join(dir, `output-${name}`), { recursive: true, force: true });
  writeFileSync(file, `logging: { file: null }\ndatabase: { path: ./data-${name}/keysync.db }\noutput: { directory: ./output-${name} }\n${config}`);
  console.error(`bench: ${label}…`);
  const { stdout, ...run } = await measured([cli, '-c', file, '--json', '-q']);
  if (run.failure) return { label, measured: run };
  const { summary, timings } = JSON.parse(stdout) as ReconcileResult;
  return { label, measured: { ...run, result: { timings, totals: summary.totals } } };
}

/** `partial` is called with the size's rows so far after each run, so a long size that is stopped keeps what it measured. */
async function measure(keysPerSystem: number, partial: (sofar: SizeResult) => void): Promise<SizeResult> {
  const at = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const before = os.loadavg().map((load) => load.toFixed(1)).join(', ');
  console.error(`bench: ${keysPerSystem.toLocaleString('en-US')} keys per system × ${SYSTEMS}…`);
  const { dir, rows, generation } = await data(keysPerSystem);
  const runs: EngineRun[] = [];
  if (rows === undefined) return { keysPerSystem, generation, runs, at, load: { before, after: os.loadavg().map((load) => load.toFixed(1)).join(', ') } };
  const duckdb = `processing: { engine: duckdb, memory_limit: ${MEMORY_LIMIT} }\n`;
  runs.push(await runEngine(dir, `duckdb, memory_limit ${MEMORY_LIMIT}, matching on`, duckdb));
  partial({ keysPerSystem, rows, generation, runs: [...runs], at, load: { before, after: `${os.loadavg().map((load) => load.toFixed(1)).join(', ')} (run still going)` } });
  runs.push(await runEngine(dir, `duckdb, memory_limit ${MEMORY_LIMIT}, matching off`, `${duckdb}matching: { enabled: false }\n`));
  partial({ keysPerSystem, rows, generation, runs: [...runs], at, load: { before, after: `${os.loadavg().map((load) => load.toFixed(1)).join(', ')} (run still going)` } });
  const nodeNeeds = rows * NODE_BYTES_PER_ROW;
  if (nodeNeeds < os.totalmem() * 0.8) runs.push(await runEngine(dir, 'node, matching on', ''));
  else runs.push({ label: 'node, matching on', skipped: `not run: needs about ${gb(nodeNeeds)} (${NODE_BYTES_PER_ROW} bytes per row), the machine has ${gb(os.totalmem())}` });
  return { keysPerSystem, rows, generation, runs, at, load: { before, after: os.loadavg().map((load) => load.toFixed(1)).join(', ') } };
}

/** Summary totals as text, probable matches aside (a run with matching off finds none). */
const comparable = (totals: ReconcileResult['summary']['totals'] | undefined) => JSON.stringify({ ...totals, keysWithProbableMatch: undefined });
const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mb = (kb: number) => `${Math.round(kb / 1024).toLocaleString('en-US')} MB`;

function table(results: readonly SizeResult[]): string {
  const lines = [
    '| keys/system × 5 | rows | engine | wall | tree peak RSS | read · compare · match · provision · reports · persist (s) | totals equal the first run\'s (probable matches aside) | measured (UTC), load 1/5/15 min before → after |',
    `|${' --- |'.repeat(8)}`,
  ];
  for (const size of results) {
    const keys = size.keysPerSystem.toLocaleString('en-US');
    const load = `${size.at}, ${size.load.before} → ${size.load.after}`;
    if (size.rows === undefined) {
      lines.push(`| ${keys} | — | — | data not generated: ${size.generation?.failure ?? 'unknown'} | — | — | — | ${load} |`);
      continue;
    }
    const first = comparable(size.runs.find((run) => run.measured?.result)?.measured?.result?.totals);
    for (const run of size.runs) {
      const m = run.measured;
      if (!m) lines.push(`| ${keys} | ${size.rows.toLocaleString('en-US')} | ${run.label} | ${run.skipped} | — | — | — | ${load} |`);
      else if (m.failure) lines.push(`| ${keys} | ${size.rows.toLocaleString('en-US')} | ${run.label} | failed after ${seconds(m.wallMs)}: ${m.failure} | ${mb(m.treePeakKb)} | — | — | ${load} |`);
      else {
        const t = m.result!.timings;
        const stages = [t.read, t.compare, t.match, t.provision, t.reports, t.persist].map((ms) => (ms / 1000).toFixed(1)).join(' · ');
        const agree = comparable(m.result!.totals) === first ? 'yes' : 'NO';
        lines.push(`| ${keys} | ${size.rows.toLocaleString('en-US')} | ${run.label} | ${seconds(m.wallMs)} | ${mb(m.treePeakKb)} | ${stages} | ${agree} | ${load} |`);
      }
    }
  }
  return lines.join('\n');
}

const sizes = process.argv.slice(2).map(Number).filter((size) => size > 0);
// Sizes measured before and not now keep their rows, so the bench can run in parts.
const json = path.join(repo, 'bench/results/engines.json');
const earlier: SizeResult[] = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as { results: SizeResult[] }).results : [];
const measuredNow: SizeResult[] = [];
function save(now: readonly SizeResult[]): void {
  const results = [...earlier.filter((old) => !now.some((size) => size.keysPerSystem === old.keysPerSystem)), ...now].sort((x, y) => x.keysPerSystem - y.keysPerSystem);
  const markdown = [
    '# Engines at scale (`npm run bench:engines`)',
    '',
    `Measured on ${machine()}, each size at the time in its row. Normal scenario, seed ${SEED}, five systems; each run a fresh`,
    '`keysync -m full` process (niced) on a fresh SQLite registry, writing every report. Tree peak RSS: the keysync process and',
    'any descendants, sampled every 200 ms, or the process\'s own peak if higher (DuckDB runs inside the process). Load averages',
    '(1, 5, 15 min) are the machine\'s, shared with other work: read the engines against each other, not against other tables.',
    '',
    table(results),
    '',
  ].join('\n');
  console.log(markdown);
  mkdirSync(path.join(repo, 'bench/results'), { recursive: true });
  writeFileSync(path.join(repo, 'bench/results/engines.md'), markdown);
  writeFileSync(json, `${JSON.stringify({ machine: machine(), results }, null, 2)}\n`);
}
for (const size of sizes.length ? sizes : [1_000_000, 20_000_000]) {
  measuredNow.push(await measure(size, (sofar) => save([...measuredNow, sofar])));
  save(measuredNow);
}
