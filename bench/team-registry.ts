/**
 * The team registry's figures (README, "Team registry"): decisions per second from 1, 4 and 8
 * concurrent reviewer processes on one PostgreSQL registry, and a full run with the registry in
 * PostgreSQL next to the same run on SQLite. Starts its own PostgreSQL (the test servers'
 * helper), prints a Markdown table.
 *
 *   node --import tsx bench/team-registry.ts [keys per system, default 100000]
 *
 * `npm run bench` runs it at 1,000,000 keys after bench/run.ts; the table goes to
 * bench/results/team-registry.md.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMockData, openWorkspace } from '../sdk/src/index.js';
import { stopTestServers, teamRegistryDatabase, testServer } from '../sdk/test/helpers/servers.js';
import { machine } from './machine.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'sdk/dist/cli.js');
const worker = path.join(repo, 'sdk/test/helpers/decide-worker.mjs');
const keysPerSystem = Number(process.argv[2] ?? 100_000);
const DECISIONS_PER_CLIENT = 400;

function run(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ ms: number; stdout: string; code: number | null }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ ms: performance.now() - started, stdout, code }));
  });
}

const server = await testServer('postgres');
const dir = mkdtempSync(path.join(os.tmpdir(), 'keysync-bench-team-'));
try {
  await generateMockData({ dir, scenario: 'normal', keys: keysPerSystem, seed: 42 });
  const rows: string[] = [];

  // A full run: the same data, the registry in SQLite, then in PostgreSQL.
  const team = await teamRegistryDatabase(server);
  const env = { PGPASSWORD: team.app.password };
  const sqliteConfig = path.join(dir, 'sqlite.yaml');
  const postgresConfig = path.join(dir, 'postgres.yaml');
  writeFileSync(sqliteConfig, 'database: { path: ./data/bench.db }\nlogging: { file: null }\n');
  writeFileSync(postgresConfig, `database: { type: postgres, url: 'postgres://${team.app.user}@127.0.0.1:${server.port}/${team.database}', busy_timeout_ms: 60000 }\nlogging: { file: null }\n`);
  for (const [label, config] of [['SQLite', sqliteConfig], ['PostgreSQL', postgresConfig]] as const) {
    const result = await run([cli, '-c', config, '-q', '--json'], env);
    if (result.code !== 0) throw new Error(`${label} run failed`);
    const persist = (JSON.parse(result.stdout) as { timings?: { persist?: number } }).timings?.persist;
    rows.push(`| full run, registry in ${label} | ${(result.ms / 1000).toFixed(2)} s${persist === undefined ? '' : ` (persist ${(persist / 1000).toFixed(2)} s)`} |`);
  }

  // Decisions: reviewers approving, rejecting, deprecating and undoing on the proposals the run made.
  const workspace = await openWorkspace(postgresConfig, { databasePassword: async () => team.app.password });
  const keys = (await workspace.registry.list({ status: 'proposed', limit: 2_000 })).map((entry) => entry.masterKey);
  await workspace.close();
  for (const clients of [1, 4, 8]) {
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: clients }, (_, n) => run([worker, postgresConfig, `bench-${clients}-${n}`, String(DECISIONS_PER_CLIENT), String(n + 1), ...keys.slice(n * 200, n * 200 + 200)], env)),
    );
    const seconds = (performance.now() - started) / 1000;
    const applied = results.reduce((sum, result) => sum + (JSON.parse(result.stdout) as { applied: unknown[] }).applied.length, 0);
    const attempted = clients * DECISIONS_PER_CLIENT;
    rows.push(`| ${clients} client${clients === 1 ? '' : 's'}: ${attempted} decisions (${applied} applied) | ${(attempted / seconds).toFixed(0)} decisions/s (wall ${seconds.toFixed(1)} s, process start included) |`);
  }
  const markdown = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; load average at the end ${os.loadavg().map((load) => load.toFixed(1)).join(' / ')}.`,
    `Team registry, ${keysPerSystem.toLocaleString('en-US')} keys per system, five systems (normal scenario, seed 42):`,
    '',
    '| what | figure |',
    '| --- | --- |',
    ...rows,
  ].join('\n');
  console.log(markdown);
  mkdirSync(path.join(repo, 'bench/results'), { recursive: true });
  writeFileSync(path.join(repo, 'bench/results/team-registry.md'), `${markdown}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
  stopTestServers();
}
