/**
 * A run's claim on its report stamp, and the only way KeySync removes report files.
 *
 * Before a run writes anything it claims a stamp by creating a small claim file in the
 * output folder with O_EXCL (`.keysync-claim_<stamp>.json`, holding the run's id). Creating
 * a file with O_EXCL is atomic, so two runs — in two processes, two workspaces sharing an
 * output folder, or one process — never get the same stamp. The claim stays as the
 * record of which run the stamp's files belong to: a run removes report files only under a
 * stamp whose claim names it, so it can never delete another run's reports.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { KeySyncError } from '../errors.js';
import { REPORT_NAMES } from './report-rows.js';

interface Claim {
  readonly runId: string;
  readonly pid: number;
  readonly claimedAt: string;
}

/**
 * A report's file name for a run's stamp.
 *
 * @example
 * ```ts
 * reportFileName('master_key_registry', '20261128T142501Z', false); // 'master_key_registry_20261128T142501Z.csv'
 * ```
 */
export function reportFileName(name: (typeof REPORT_NAMES)[number], stamp: string, dryRun: boolean): string {
  return `${name}_${dryRun ? 'dry-run_' : ''}${stamp}.csv`;
}

/** What a report's file name says: which report, the run's stamp, a dry run or not; undefined for any other file. */
export function parseReportFileName(fileName: string): { readonly name: (typeof REPORT_NAMES)[number]; readonly stamp: string; readonly dryRun: boolean } | undefined {
  const match = REPORT_FILE_NAME.exec(fileName.split(/[\\/]/).pop() ?? '');
  if (!match) return undefined;
  const name = REPORT_NAMES.find((candidate) => candidate === match[1]);
  return name && { name, stamp: match[3]!, dryRun: match[2] !== undefined };
}

const REPORT_FILE_NAME = /^(.+?)_(dry-run_)?(\d{8}T\d{6}Z(?:-\d+)?)\.csv$/;

export function claimFileName(stamp: string, dryRun: boolean): string {
  return `.keysync-claim_${dryRun ? 'dry-run_' : ''}${stamp}.json`;
}

/** The run's start as ISO 8601 basic UTC to the second: `20261128T142501Z`. */
export function baseStamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/**
 * Claims the first free stamp for a run starting at `at`: the base stamp, then `-2`, `-3`, …
 * A stamp is free when no claim exists for it and (for folders written before claims
 * existed) no report carries it. Creates the output folder if needed.
 */
export function claimReportStamp(directory: string, at: Date, dryRun: boolean, runIdFor: (stamp: string) => string): { stamp: string; runId: string } {
  ensureOutputFolder(directory);
  const base = baseStamp(at);
  for (let attempt = 1; ; attempt++) {
    const stamp = attempt === 1 ? base : `${base}-${attempt}`;
    const runId = runIdFor(stamp);
    if (!tryClaim(directory, stamp, dryRun, runId)) continue;
    // Checked after claiming: a run that held this stamp before claims existed has its
    // files here already; while we hold the claim nobody else can add any.
    if (reportsExist(directory, stamp, dryRun)) continue;
    return { stamp, runId };
  }
}

/**
 * For `--resume`: the interrupted run's claim must still be its own. A claim that is missing
 * (a folder from before claims existed, or cleared by hand) is taken again if it is free.
 */
export function reclaimReportStamp(directory: string, stamp: string, dryRun: boolean, runId: string): void {
  ensureOutputFolder(directory);
  const owner = claimOwner(directory, stamp, dryRun);
  if (owner === runId) return;
  if (owner === undefined && tryClaim(directory, stamp, dryRun, runId)) return;
  throw new KeySyncError('REPORT_STAMP_TAKEN', 'state', `The report stamp ${stamp} of run ${runId} now belongs to ${owner ?? 'another run'}; its reports cannot be written there.`, {
    file: path.join(directory, claimFileName(stamp, dryRun)),
    remedy: 'run without --resume (a new run recomputes everything), or write to another output.directory',
  });
}

/**
 * Removes the report files (and their temp files) of one run, and only when the stamp's
 * claim names that run; with `releaseClaim`, the claim goes too (a dry run that failed has
 * nothing to resume). Returns the files removed. Never throws: cleaning up must not hide the
 * error that made the run fail.
 */
export function removeRunReports(directory: string, stamp: string, dryRun: boolean, runId: string, options: { releaseClaim: boolean }): string[] {
  if (claimOwner(directory, stamp, dryRun) !== runId) return [];
  const ours = new Set(REPORT_NAMES.map((name) => reportFileName(name, stamp, dryRun)));
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return removed;
  }
  for (const name of names) {
    if (!ours.has(name) && !isTempOf(name, ours)) continue;
    const file = path.join(directory, name);
    try {
      rmSync(file, { force: true });
      removed.push(file);
    } catch {
      // Left for the next cleanup; the run's own record already says it did not complete.
    }
  }
  if (options.releaseClaim) rmSync(path.join(directory, claimFileName(stamp, dryRun)), { force: true });
  return removed;
}

/** The run id a stamp's claim names, or undefined when there is no readable claim. */
export function claimOwner(directory: string, stamp: string, dryRun: boolean): string | undefined {
  try {
    const claim = JSON.parse(readFileSync(path.join(directory, claimFileName(stamp, dryRun)), 'utf8')) as Partial<Claim>;
    return typeof claim.runId === 'string' ? claim.runId : undefined;
  } catch {
    return undefined;
  }
}

function tryClaim(directory: string, stamp: string, dryRun: boolean, runId: string): boolean {
  const file = path.join(directory, claimFileName(stamp, dryRun));
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw outputUnusable(directory, error);
  }
  try {
    const claim: Claim = { runId, pid: process.pid, claimedAt: new Date().toISOString() };
    writeSync(fd, JSON.stringify(claim));
  } finally {
    closeSync(fd);
  }
  return true;
}

function reportsExist(directory: string, stamp: string, dryRun: boolean): boolean {
  return REPORT_NAMES.some((name) => {
    try {
      statSync(path.join(directory, reportFileName(name, stamp, dryRun)));
      return true;
    } catch {
      return false;
    }
  });
}

/** `writeFileAtomically`'s temp name for one of our files: `.<name>.<pid>.tmp`. */
function isTempOf(name: string, ours: ReadonlySet<string>): boolean {
  const match = /^\.(.+)\.\d+\.tmp$/.exec(name);
  return match !== null && ours.has(match[1]!);
}

/** The output folder exists and is a folder we can write, or a clear error says why not. */
export function ensureOutputFolder(directory: string): void {
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    throw outputUnusable(directory, error);
  }
  if (!statSync(directory).isDirectory()) throw outputUnusable(directory, Object.assign(new Error('not a folder'), { code: 'ENOTDIR' }));
}

const OUTPUT_REMEDIES: Readonly<Record<string, string>> = {
  ENOTDIR: 'output.directory (or -o) names a file, or a path through a file: point it at a folder',
  EEXIST: 'output.directory (or -o) names a file: point it at a folder',
  EACCES: 'give the user running KeySync write permission there, or choose another output.directory',
  EPERM: 'give the user running KeySync write permission there, or choose another output.directory',
  EROFS: 'the file system is read-only: choose a writable output.directory',
  ENOSPC: 'free disk space (the file system is full), then run again',
};

function outputUnusable(directory: string, error: unknown): KeySyncError {
  const code = (error as NodeJS.ErrnoException).code ?? 'EIO';
  return new KeySyncError('OUTPUT_UNUSABLE', 'io', `The output folder cannot be used for reports (${code}).`, {
    file: directory,
    cause: error,
    remedy: OUTPUT_REMEDIES[code] ?? 'check output.directory and its permissions',
  });
}
