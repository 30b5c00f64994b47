/**
 * Refuses workspaces whose files overlap. KeySync writes reports into the output folder,
 * snapshots into the snapshot folder, appends to the log file and rewrites the database;
 * a source that is one of those, or lies in one of those folders, would be overwritten,
 * appended to or cleaned up. The check runs on canonical paths (symlinks resolved as far
 * as the path exists), so `./out` and a symlink to it count as one folder.
 */
import { realpathSync } from 'node:fs';
import path from 'node:path';

export interface WorkspacePath {
  /** The config key that sets it, as the user would look for it: `sources.B.path`. */
  readonly key: string;
  readonly path: string;
  /** A folder KeySync writes and cleans up (nothing of anyone else's may be inside it), or a file. */
  readonly kind: 'managed-folder' | 'file';
  /** Files of the same group may coincide (two systems exported to one file, say). */
  readonly group: 'source' | 'log' | 'database' | 'output' | 'snapshots';
}

/** One sentence per overlap; empty when the paths are independent. */
export function findPathOverlaps(paths: readonly WorkspacePath[]): string[] {
  const canonical = paths.map((entry) => ({ ...entry, path: canonicalPath(entry.path) }));
  const problems: string[] = [];
  for (const [i, a] of canonical.entries()) {
    for (const b of canonical.slice(i + 1)) {
      if (a.group === b.group) continue;
      const problem = overlap(a, b) ?? overlap(b, a);
      if (problem) problems.push(problem);
    }
  }
  return problems;
}

function overlap(a: WorkspacePath, b: WorkspacePath): string | undefined {
  if (a.path === b.path) return `${a.key} and ${b.key} are the same ${a.kind === 'file' && b.kind === 'file' ? 'file' : 'path'} (${a.path})`;
  if (a.kind === 'managed-folder' && isInside(b.path, a.path)) return `${b.key} (${b.path}) is inside ${a.key} (${a.path}), which KeySync writes and cleans up`;
  return undefined;
}

function isInside(child: string, folder: string): boolean {
  const relative = path.relative(folder, child);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}

/** The real path of the longest existing prefix, with the rest appended. */
function canonicalPath(file: string): string {
  const absolute = path.resolve(file);
  let existing = absolute;
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync(existing), ...rest);
    } catch {
      const parent = path.dirname(existing);
      if (parent === existing) return absolute;
      rest.unshift(path.basename(existing));
      existing = parent;
    }
  }
}
