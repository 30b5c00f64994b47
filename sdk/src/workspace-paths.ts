/** The workspace's files as one list, checked for overlaps before anything is written. */
import { findPathOverlaps, type WorkspacePath } from './config/path-overlaps.js';
import { KeySyncError } from './errors.js';
import type { SourceFile } from './sources/source-file.js';
import { snapshotFolder } from './store/snapshots.js';
import type { WorkspacePaths } from './run/workspace-context.js';

export interface PathCheck {
  readonly configFile: string | null;
  readonly paths: WorkspacePaths;
  readonly sources: readonly SourceFile[];
  /** `-o` / `outputDir` in place of output.directory, when given. */
  readonly outputOverride?: string;
}

export function assertIndependentPaths(check: PathCheck): void {
  const { paths, outputOverride } = check;
  const entries: WorkspacePath[] = [
    { key: outputOverride ? 'the output folder (-o)' : 'output.directory', path: outputOverride ?? paths.output, kind: 'managed-folder', group: 'output' },
    { key: 'the snapshot folder (beside database.path)', path: snapshotFolder(paths.database), kind: 'managed-folder', group: 'snapshots' },
    { key: 'database.path', path: paths.database, kind: 'file', group: 'database' },
    ...(paths.log === null ? [] : [{ key: 'logging.file', path: paths.log, kind: 'file' as const, group: 'log' as const }]),
    ...check.sources.map((source) => ({ key: `sources.${source.system}.path`, path: source.file, kind: 'file' as const, group: 'source' as const })),
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
