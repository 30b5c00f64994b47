/** The workspace's files, checked before anything is written: usable, and not overlapping. */
import { statSync } from 'node:fs';
import { findPathOverlaps, type WorkspacePath } from './config/path-overlaps.js';
import { KeySyncError } from './errors.js';
import type { ConfiguredSource } from './sources/registry.js';
import { snapshotFolder } from './store/snapshots.js';
import type { WorkspacePaths } from './run/workspace-context.js';

export interface PathCheck {
  readonly configFile: string | null;
  readonly paths: WorkspacePaths;
  readonly sources: readonly ConfiguredSource[];
  /** `-o` / `outputDir` in place of output.directory, when given. */
  readonly outputOverride?: string;
}

/**
 * The log file is appended to on every line: it must be a regular file or not exist yet. A
 * folder fails every append, and a FIFO or a device would block or swallow the log.
 */
function assertLogFileUsable(check: PathCheck): void {
  const { log } = check.paths;
  if (log === null) return;
  let stat;
  try {
    stat = statSync(log);
  } catch {
    return;
  }
  if (stat.isFile()) return;
  throw new KeySyncError('CONFIG_LOG_NOT_A_FILE', 'config', `logging.file names ${stat.isDirectory() ? 'a folder' : 'a special file (a FIFO, a device or a socket)'}, not a log file.`, {
    file: check.configFile ?? undefined,
    remedy: `point logging.file at a regular file (created on first use), or set it to null for none; it is ${log}`,
  });
}

export function assertWorkspacePaths(check: PathCheck): void {
  assertLogFileUsable(check);
  const { paths, outputOverride } = check;
  const entries: WorkspacePath[] = [
    { key: outputOverride ? 'the output folder (-o)' : 'output.directory', path: outputOverride ?? paths.output, kind: 'managed-folder', group: 'output' },
    { key: 'the snapshot folder (beside database.path)', path: snapshotFolder(paths.database), kind: 'managed-folder', group: 'snapshots' },
    // A PostgreSQL registry has no file here; its local snapshot folder is still checked.
    ...(paths.sharedRegistry === null ? [{ key: 'database.path', path: paths.database, kind: 'file' as const, group: 'database' as const }] : []),
    ...(paths.log === null ? [] : [{ key: 'logging.file', path: paths.log, kind: 'file' as const, group: 'log' as const }]),
    ...check.sources.flatMap((source) =>
      source.file === undefined ? [] : [{ key: `sources.${source.system}.path`, path: source.file, kind: 'file' as const, group: 'source' as const }],
    ),
  ];
  const problems = findPathOverlaps(entries);
  if (problems.length === 0) return;
  throw new KeySyncError(
    'CONFIG_PATHS_OVERLAP',
    outputOverride ? 'usage' : 'config',
    problems.length === 1 ? `${problems[0]}.` : `${problems.length} paths overlap: ${problems.join('; ')}.`,
    {
      file: check.configFile ?? undefined,
      remedy: 'give sources, output.directory, database.path and logging.file places of their own; KeySync refuses to write where it could overwrite or clean up another file',
    },
  );
}
