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

/** Runs `cli` (the built CLI, or another build to compare with) with `args`, `--json -q`; rejects on a non-zero exit with its stderr. */
export function runKeysync(cli: string, args: readonly string[]): Promise<KeysyncRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', path.join(repo, 'bench/report-max-rss.mjs'), cli, ...args, '--json', '-q']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = performance.now() - started;
      if (code !== 0) return reject(new Error(`keysync exited ${code}: ${stderr}`));
      const maxRssKb = Number(/KEYSYNC_BENCH_MAX_RSS_KB=(\d+)/.exec(stderr)?.[1] ?? 0);
      resolve({ wallMs, maxRssKb, result: JSON.parse(stdout) as ReconcileResult });
    });
  });
}
