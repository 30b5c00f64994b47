/**
 * One `keysync` run in its own process, as a user starts it, measured from outside: wall time,
 * the process's peak RSS (through bench/report-max-rss.mjs) and the run's `--json` result.
 * Every bench that times whole runs starts them here.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReconcileResult } from '../sdk/src/index.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface KeysyncRun {
  readonly wallMs: number;
  readonly maxRssKb: number;
  readonly result: ReconcileResult;
}

/** A Node process measured from outside: wall time, peak RSS, its output and exit code. */
export interface MeasuredProcess {
  readonly wallMs: number;
  readonly maxRssKb: number;
  readonly stdout: string;
  /** Without the peak-RSS line the probe adds. */
  readonly stderr: string;
  readonly exitCode: number | null;
}

/** Runs Node with `args`, its peak RSS reported through bench/report-max-rss.mjs; resolves whatever the exit code. */
export function measureNodeProcess(args: readonly string[], options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {}): Promise<MeasuredProcess> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', path.join(repo, 'bench/report-max-rss.mjs'), ...args], options);
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

/** Runs `cli` (the built CLI, or another build to compare with) with `args`, `--json -q`; rejects on a non-zero exit with its stderr. */
export async function runKeysync(cli: string, args: readonly string[]): Promise<KeysyncRun> {
  const run = await measureNodeProcess([cli, ...args, '--json', '-q']);
  if (run.exitCode !== 0) throw new Error(`keysync exited ${run.exitCode}: ${run.stderr}`);
  return { wallMs: run.wallMs, maxRssKb: run.maxRssKb, result: JSON.parse(run.stdout) as ReconcileResult };
}
