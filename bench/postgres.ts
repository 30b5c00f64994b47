/**
 * `npm run bench:postgres`: the postgres source type on the bench's data. For each size (keys per
 * system, five systems, normal scenario, seed 42, as bench/run.ts) it generates the CSVs (in a
 * process of its own with a large heap, kept in bench/work/pg-n<keys> for the next run), loads
 * them as tables into PostgreSQL, then, in a separate process, scans the five tables through the
 * source seam into a counting sink: wall time, rows/s and peak RSS. Then the full CLI run on those
 * tables with the node engine (rows read through the source type; skipped, with the reason, where
 * it would not fit) and with the postgres engine (compared in the database, docs/behaviour.md §11):
 * wall time, the keysync process's peak RSS (the server's memory is not counted) and the run's
 * stage times. The server is KEYSYNC_BENCH_PG_URL (it must run on this machine: it reads the
 * load files itself), or else a PostgreSQL 15 started for the bench as the tests start it
 * (sdk/test/helpers/servers.ts: fsync off, a temporary folder). Rows of sizes not measured now
 * stay in bench/results/postgres-latest.json and .md, each with its own date and load average.
 *
 * Loading: the tables are those writeSystemsToPostgres (`--generate-data --into`) makes — it
 * creates the schema and the empty tables — but filled with a server-side COPY of a load file
 * written here from each CSV, not with its INSERTs (649 s at 1M × 5 under load; about two hours
 * at 10M). The load file has the id (the line in the CSV less the header) in front of each line;
 * a line COPY would read differently from fieldsOf (quotes, backslashes, a count of fields other
 * than four, a carriage return: the corrupt-rows injection among them) is written as fieldsOf
 * reads it, each field quoted and NULL as an unquoted \N. KEYSYNC_BENCH_PG_LOAD=insert loads with
 * writeSystemsToPostgres instead, to check that both give the same tables.
 *
 *   npm run bench:postgres                 # 1M
 *   npm run bench:postgres -- 10000 100000 # chosen sizes
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import v8 from 'node:v8';
import type { ReconcileResult } from '../sdk/src/index.js';
import { MOCK_SCHEMA, postgresMockSourcesYaml, writeSystemsToPostgres } from '../sdk/src/mock/postgres-output.js';
import { copySystemsToPostgres } from './postgres-load.js';
import { stopTestServers, testServer } from '../sdk/test/helpers/servers.js';
import { measureNodeProcess } from './keysync-process.js';
import { machine } from './machine.js';
import { mockGenerationArgs, type GeneratedFile } from './mock-generation.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SEED = 42;
/** The node engine's peak RSS per row read through the postgres source type: 1,443 MB for 4,736,464 rows at 1M × 5 (bench/results/postgres-latest.md, 2026-12-02), rounded up. */
const NODE_ENGINE_BYTES_PER_ROW = 330;

interface FullRun {
  readonly wallMs?: number;
  readonly peakRssKb?: number;
  readonly timings?: ReconcileResult['timings'];
  readonly totals?: ReconcileResult['summary']['totals'];
  readonly failure?: string;
  readonly skipped?: string;
}

interface SizeRow {
  readonly keysPerSystem: number;
  readonly rows: number;
  readonly loadedWith: 'copy' | 'insert';
  readonly loadMs: number;
  readonly scanMs: number;
  readonly scanPeakRssKb: number;
  readonly node: FullRun;
  readonly postgres: FullRun;
  /** When it was measured (UTC) and the load average (1, 5, 15 min) before and after. */
  readonly at: string;
  readonly load: { readonly before: string; readonly after: string };
}

/** The CSVs for a size, generated once in a process of their own: a marker says which keys and seed the folder holds. */
async function generated(dir: string, keysPerSystem: number, env: NodeJS.ProcessEnv): Promise<{ system: string; file: string }[]> {
  const marker = path.join(dir, 'generated.json');
  if (existsSync(marker)) {
    const done = JSON.parse(readFileSync(marker, 'utf8')) as { keys: number; seed: number; files: { system: string; file: string }[] };
    if (done.keys === keysPerSystem && done.seed === SEED) return done.files.map(({ system, file }) => ({ system, file: path.join(dir, file) }));
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'keysync-config.yaml'), 'logging: { file: null }\n');
  const generation = await measureNodeProcess(mockGenerationArgs(dir, keysPerSystem, SEED), { cwd: repo, env });
  if (generation.exitCode !== 0) throw new Error(`generating the data failed: ${generation.stderr}`);
  const files = (JSON.parse(generation.stdout) as GeneratedFile[]).map(({ system, file }) => ({ system, file: path.relative(dir, file) }));
  writeFileSync(marker, JSON.stringify({ keys: keysPerSystem, seed: SEED, files }));
  console.error(`bench:postgres: generated in ${seconds(generation.wallMs)} s`);
  return files.map(({ system, file }) => ({ system, file: path.join(dir, file) }));
}

async function measure(url: string, env: NodeJS.ProcessEnv, keysPerSystem: number): Promise<SizeRow> {
  const at = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const before = loadAverage();
  const dir = path.join(repo, 'bench/work', `pg-n${keysPerSystem}`);
  const files = await generated(dir, keysPerSystem, env);
  const loadedWith = process.env.KEYSYNC_BENCH_PG_LOAD === 'insert' ? 'insert' : 'copy';
  const loadStarted = performance.now();
  let rows: number;
  if (loadedWith === 'insert') {
    const tables = files.map(({ system, file }) => ({ table: system, lines: readFileSync(file, 'utf8').trimEnd().split('\n').slice(1) }));
    await writeSystemsToPostgres(url, tables);
    rows = tables.reduce((sum, table) => sum + table.lines.length, 0);
  } else rows = await copySystemsToPostgres(url, dir, files);
  const loadMs = performance.now() - loadStarted;
  console.error(`bench:postgres: loaded ${count(rows)} rows in ${seconds(loadMs)} s`);
  if (process.env.KEYSYNC_BENCH_PG_DIGEST) {
    // To check that COPY and INSERT give the same tables: a digest of each table's rows in id order (NULLs shown as such).
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    for (const { system } of files) {
      const digest = await client.query<{ md5: string }>(`SELECT md5(string_agg(row(t.*)::text || coalesce(t.key, '<null>'), E'\\n' ORDER BY id)) FROM ${MOCK_SCHEMA}.${pg.escapeIdentifier(system)} t`);
      console.error(`bench:postgres: table ${system} digest ${digest.rows[0]!.md5}`);
    }
    await client.end();
  }

  const systems = files.map((file) => file.system);
  const scan = await measureNodeProcess(['--import', 'tsx', path.join(repo, 'bench/postgres-scan.ts'), url, ...systems], { cwd: repo, env });
  if (scan.exitCode !== 0) throw new Error(`the scan failed: ${scan.stderr}`);
  const scanned = (JSON.parse(scan.stdout) as { rows: number }[]).reduce((sum, system) => sum + system.rows, 0);
  if (scanned !== rows) throw new Error(`scanned ${scanned} rows of ${rows}`);

  // The whole run on the tables, with each engine, in a workspace of its own.
  const fullRun = async (engine: 'node' | 'postgres'): Promise<FullRun> => {
    const runDir = path.join(dir, `postgres-${engine}`);
    rmSync(runDir, { recursive: true, force: true });
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, 'keysync-config.yaml'), `logging: { file: null }\nprocessing: { engine: ${engine} }\n${postgresMockSourcesYaml(url, systems)}`);
    console.error(`bench:postgres: full run, ${engine} engine…`);
    const run = await measureNodeProcess([path.join(repo, 'sdk/dist/cli.js'), '-c', path.join(runDir, 'keysync-config.yaml'), '--json', '-q'], { cwd: repo, env });
    if (run.exitCode !== 0) return { wallMs: run.wallMs, failure: `exit ${run.exitCode}: ${run.stderr.trim().split('\n').slice(-3).join(' ')}` };
    const { summary, timings } = JSON.parse(run.stdout) as ReconcileResult;
    return { wallMs: run.wallMs, peakRssKb: run.maxRssKb, timings, totals: summary.totals };
  };
  // The node engine holds every row read; Node's heap cannot grow past its limit (the CLI runs with the default).
  const nodeNeeds = rows * NODE_ENGINE_BYTES_PER_ROW;
  const heapLimit = v8.getHeapStatistics().heap_size_limit;
  const node: FullRun =
    nodeNeeds < Math.min(heapLimit, os.totalmem() * 0.8)
      ? await fullRun('node')
      : { skipped: `not run: needs about ${gb(nodeNeeds)} (${NODE_ENGINE_BYTES_PER_ROW} bytes per row, from 1M), more than Node's default heap limit here (${gb(heapLimit)})` };
  const postgres = await fullRun('postgres');
  return { keysPerSystem, rows, loadedWith, loadMs, scanMs: scan.wallMs, scanPeakRssKb: scan.maxRssKb, node, postgres, at, load: { before, after: loadAverage() } };
}

const loadAverage = () => os.loadavg().map((value) => value.toFixed(2)).join(' ');
const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GB`;
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const count = (value: number) => value.toLocaleString('en-US');
const sizes = process.argv.slice(2).map(Number).filter((size) => size > 0);

let url = process.env.KEYSYNC_BENCH_PG_URL;
const env: NodeJS.ProcessEnv = { ...process.env };
if (!url) {
  const server = await testServer('postgres');
  url = server.url(server.admin, server.database);
}
// The generated config leaves the password out of its URLs; the runs get it as libpq would.
const urlPassword = decodeURIComponent(new URL(url).password);
if (urlPassword) env.PGPASSWORD = urlPassword;
// Sizes measured before and not now keep their rows, so the bench can run in parts.
const json = path.join(repo, 'bench/results/postgres-latest.json');
const earlier: SizeRow[] = existsSync(json) ? (JSON.parse(readFileSync(json, 'utf8')) as { results: SizeRow[] }).results : [];
const measuredNow: SizeRow[] = [];
try {
  for (const size of sizes.length ? sizes : [1_000_000]) {
    console.error(`bench:postgres: ${count(size)} keys per system…`);
    measuredNow.push(await measure(url, env, size));
  }
} finally {
  stopTestServers();
}
const results = [...earlier.filter((old) => !measuredNow.some((now) => now.keysPerSystem === old.keysPerSystem)), ...measuredNow].sort((x, y) => x.keysPerSystem - y.keysPerSystem);
const mb = (kb: number) => `${count(Math.round(kb / 1024))} MB`;
const wall = (run: FullRun) => run.skipped ?? (run.failure ? `failed after ${seconds(run.wallMs!)} s (${run.failure})` : `${seconds(run.wallMs!)} s`);
const rss = (run: FullRun) => (run.peakRssKb ? mb(run.peakRssKb) : '–');
const stages = (run: FullRun) => (run.timings ? [run.timings.read, run.timings.compare, run.timings.match, run.timings.provision, run.timings.reports, run.timings.persist].map((ms) => (ms / 1000).toFixed(1)).join(' · ') : '–');
const lines = [
  '# The postgres source type and engine at scale (`npm run bench:postgres`)',
  '',
  `Measured on ${machine()}; PostgreSQL 15 on the same machine. Normal scenario, seed ${SEED}, five systems as tables. Peak RSS is the`,
  "keysync process's only (PostgreSQL's own memory and temporary files are not counted). Load averages (1, 5, 15 min) are the",
  "machine's, shared with other work: read each row at its own load. Stages: the postgres engine's run, as its JSON result times them.",
  '',
  '| keys/system × 5 | rows | load into tables | scan of 5 tables (source seam) | rows/s | scan peak RSS | full run, node engine | its peak RSS | full run, postgres engine | its peak RSS | postgres engine: read · compare · match · provision · reports · persist (s) | totals of both engines equal | measured (UTC), load before → after |',
  `|${' --- |'.repeat(13)}`,
];
for (const row of results) {
  const agree = row.node.totals && row.postgres.totals ? (JSON.stringify(row.node.totals) === JSON.stringify(row.postgres.totals) ? 'yes' : 'NO') : '–';
  lines.push(
    `| ${count(row.keysPerSystem)} | ${count(row.rows)} | ${seconds(row.loadMs)} s (${row.loadedWith === 'copy' ? 'COPY of a load file' : 'INSERTs'}) | ${seconds(row.scanMs)} s | ${count(Math.round(row.rows / (row.scanMs / 1000)))} | ${mb(row.scanPeakRssKb)} | ` +
      `${wall(row.node)} | ${rss(row.node)} | ${wall(row.postgres)} | ${rss(row.postgres)} | ${stages(row.postgres)} | ${agree} | ${row.at}, ${row.load.before} → ${row.load.after} |`,
  );
}
const markdown = `${lines.join('\n')}\n`;
console.log(markdown);
mkdirSync(path.join(repo, 'bench/results'), { recursive: true });
writeFileSync(path.join(repo, 'bench/results/postgres-latest.md'), markdown);
writeFileSync(json, `${JSON.stringify({ machine: machine(), results }, null, 2)}\n`);
