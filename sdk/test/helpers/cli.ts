/** Runs the built `keysync` CLI as a child process, as a user would. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from './workspace.js';

export const CLI = path.join(REPO_ROOT, 'sdk/dist/cli.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Run as another user (tests of file permissions, which root ignores). */
  readonly uid?: number;
  readonly gid?: number;
  /** Kill the process (SIGKILL) after this long: a test of something that used to hang must not hang the suite. */
  readonly timeoutMs?: number;
}

export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return runProcess(process.execPath, [CLI, ...args], options);
}

export function runProcess(command: string, args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      uid: options.uid,
      gid: options.gid,
      timeout: options.timeoutMs,
      killSignal: 'SIGKILL',
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A CLI child still running: its output so far, a wait for a line on stderr, and its result. */
export interface StartedCli {
  readonly pid: number;
  /** Resolves once stderr matches `pattern`; rejects if the process ends first. */
  stderrMatches(pattern: RegExp): Promise<void>;
  readonly result: Promise<CliResult>;
}

/** Starts the CLI and returns at once, so a test can act while it runs (hold a lock, then let go). */
export function startCli(args: readonly string[], options: Pick<CliOptions, 'env' | 'cwd'> = {}): StartedCli {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const watchers = new Set<() => void>();
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const watch of watchers) watch();
  });
  const result = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return {
    pid: child.pid!,
    result,
    stderrMatches: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const watch = () => {
          if (!pattern.test(stderr)) return;
          watchers.delete(watch);
          resolve();
        };
        watchers.add(watch);
        watch();
        void result.then((ended) => {
          if (watchers.delete(watch)) reject(new Error(`the CLI ended (code ${ended.code}) before its stderr matched ${pattern}:\n${ended.stderr}`));
        });
      }),
  };
}
