/**
 * `npm run bench:postgres`: the postgres source type on the bench's data. For each size (keys per
 * system, five systems, normal scenario, seed 42, as bench/run.ts) it generates the CSVs, loads
 * them as tables into PostgreSQL (writeSystemsToPostgres), then, in a separate process,
 * scans the five tables through the source seam into a counting sink: wall time, rows/s and peak
 * RSS. Then the full CLI run on those tables with the node engine (rows read through the
 * source type) and with the postgres engine (compared in the database, docs/behaviour.md §11):
 * wall time and the keysync process's peak RSS (the server's memory is not counted). The server
 * is KEYSYNC_BENCH_PG_URL, or else a PostgreSQL 15 started for the bench as the tests start it
 * (sdk/test/helpers/servers.ts: fsync off, a temporary folder). The machine line and the load
 * average before and after go above the figures.
 *
 *   npm run bench:postgres                 # 1M
 *   npm run bench:postgres -- 10000 100000 # chosen sizes
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMockData } from '../sdk/src/index.js';
import { postgresMockSourcesYaml, writeSystemsToPostgres } from '../sdk/src/mock/postgres-output.js';
import { stopTestServers, testServer } from '../sdk/test/helpers/servers.js';
import { machine } from './machine.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SEED = 42;

interface Measured {
  readonly wallMs: number;
  readonly maxRssKb: number;
  readonly stdout: string;
  readonly exitCode: number | null;
  readonly stderr: string;
}

function measureProcess(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', path.join(repo, 'bench/report-max-rss.mjs'), ...args], { cwd: repo, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => {
      const maxRssKb = Number(/KEYSYNC_BENCH_MAX_RSS_KB=(\d+)/.exec(stderr)?.[1] ?? 0);
      resolve({ wallMs: performance.now() - started, maxRssKb, stdout, exitCode, stderr: stderr.replace(/\s*KEYSYNC_BENCH_MAX_RSS_KB=\d+\s*/, '') });
    });
  });
}

async function measure(url: string, env: NodeJS.ProcessEnv, keysPerSystem: number) {
  const dir = path.join(repo, 'bench/work', `pg-n${keysPerSystem}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'keysync-config.yaml'), 'logging: { file: null }\n');
  const generated = await generateMockData({ dir, scenario: 'normal', keys: keysPerSystem, seed: SEED });
  const rows = generated.files.reduce((sum, file) => sum + file.rows, 0);
  const tables = generated.files.map(({ system, file }) => ({ table: system, lines: readFileSync(file, 'utf8').trimEnd().split('\n').slice(1) }));
  const loadStarted = performance.now();
  await writeSystemsToPostgres(url, tables);
  const loadMs = performance.now() - loadStarted;

  const systems = generated.files.map((file) => file.system);
  const scan = await measureProcess(['--import', 'tsx', path.join(repo, 'bench/postgres-scan.ts'), url, ...systems], env);
  if (scan.exitCode !== 0) throw new Error(`the scan failed: ${scan.stderr}`);
  const scanned = (JSON.parse(scan.stdout) as { rows: number }[]).reduce((sum, system) => sum + system.rows, 0);

  // The whole run on the tables, with each engine, in a workspace of its own.
  const fullRun = async (engine: 'node' | 'postgres') => {
    const runDir = path.join(dir, `postgres-${engine}`);
    mkdirSync(runDir, { recursive: true });
    writeFileSync(path.join(runDir, 'keysync-config.yaml'), `logging: { file: null }\nprocessing: { engine: ${engine} }\n${postgresMockSourcesYaml(url, systems)}`);
    return measureProcess([path.join(repo, 'sdk/dist/cli.js'), '-c', path.join(runDir, 'keysync-config.yaml'), '--json', '-q'], env);
  };
  const full = await fullRun('node');
  const engine = await fullRun('postgres');
  return { keysPerSystem, rows, loadMs, scan, scanned, full, engine };
}

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
try {
  const load = () => os.loadavg().map((value) => value.toFixed(2)).join(' ');
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; PostgreSQL on the same machine. Normal scenario, seed ${SEED}, five systems as tables. Load average before: ${load()}.`,
    '',
    '| keys/system × 5 | rows | load (INSERT) | scan of 5 tables (source seam) | rows/s | scan peak RSS | full run, node engine | its peak RSS | full run, postgres engine | its peak RSS |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const size of sizes.length ? sizes : [1_000_000]) {
    console.error(`bench:postgres: ${count(size)} keys per system…`);
    const row = await measure(url, env, size);
    if (row.scanned !== row.rows) throw new Error(`scanned ${row.scanned} rows of ${row.rows}`);
    const run = (measured: Measured) => (measured.exitCode === 0 ? `${seconds(measured.wallMs)} s` : `failed (exit ${measured.exitCode}: ${measured.stderr.trim().split('\n')[0]})`);
    const rss = (measured: Measured) => (measured.exitCode === 0 ? `${count(Math.round(measured.maxRssKb / 1024))} MB` : '–');
    lines.push(
      `| ${count(size)} | ${count(row.rows)} | ${seconds(row.loadMs)} s | ${seconds(row.scan.wallMs)} s | ${count(Math.round(row.rows / (row.scan.wallMs / 1000)))} | ` +
        `${count(Math.round(row.scan.maxRssKb / 1024))} MB | ${run(row.full)} | ${rss(row.full)} | ${run(row.engine)} | ${rss(row.engine)} |`,
    );
  }
  lines.push('', `Load average after: ${load()}.`);
  const markdown = lines.join('\n');
  console.log(markdown);
  mkdirSync(path.join(repo, 'bench/results'), { recursive: true });
  writeFileSync(path.join(repo, 'bench/results/postgres-latest.md'), `${markdown}\n`);
} finally {
  stopTestServers();
}
