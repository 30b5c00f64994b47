/**
 * The snapshot files a run writes (docs/decisions.md §10): each source parsed this run gets
 * its file as soon as its read is final, on the main thread while the read workers are still
 * reading other sources, instead of all of them after the last read. Which sources get one,
 * and the bytes, are as before: a source with a fingerprint, not taken from its snapshot,
 * whose stored snapshot is missing, damaged or stale.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { SystemId } from '../core/types.js';
import type { SourceRead } from '../sources/read-source.js';
import { removeSnapshots, snapshotFolder, writeSnapshot, type SnapshotRef } from '../store/snapshots.js';
import type { WorkspaceContext } from './workspace-context.js';

/** What decides whether a source read this run needs its snapshot written. */
export interface SnapshotsBefore {
  readonly fingerprints: ReadonlyMap<SystemId, string | undefined>;
  /** The stored snapshot references before this run. */
  readonly snapshots: ReadonlyMap<SystemId, SnapshotRef>;
  readonly fromSnapshot: ReadonlySet<SystemId>;
  readonly damagedSnapshots: ReadonlySet<SystemId>;
}

export interface SnapshotWrites {
  /** The systems whose snapshot this run writes once read, decided before reading: only those pay for a keys digest. */
  readonly needed: ReadonlySet<SystemId>;
  /** Writes the snapshot of a source whose read is final, if it needs one; a failed write removes the files written so far and throws. */
  write(system: SystemId, read: SourceRead): void;
  /** The content id of each snapshot written so far (core/run-inputs.ts). */
  readonly contentIds: ReadonlyMap<SystemId, string>;
  /** The files written so far, in the order of `systems` (the order the commit gets them in). */
  written(systems: readonly SystemId[]): SnapshotRef[];
  /** Removes the files written so far (a run that does not commit); none is written after. */
  discard(): void;
}

/**
 * Whether a source read this run gets its snapshot written: it has a fingerprint, was not
 * taken from its snapshot, and its stored snapshot is missing, damaged or stale.
 */
function needsSnapshot(folder: string, before: SnapshotsBefore, system: SystemId): boolean {
  const fingerprint = before.fingerprints.get(system);
  if (!fingerprint || before.fromSnapshot.has(system)) return false;
  const stored = before.snapshots.get(system);
  const storedStillGood =
    stored !== undefined && stored.fingerprint === fingerprint && !before.damagedSnapshots.has(system) && existsSync(path.join(folder, stored.snapshotFile));
  return !storedStillGood;
}

export function snapshotWrites(context: WorkspaceContext, before: SnapshotsBefore, runId: string, onWrite: (system: SystemId) => void): SnapshotWrites {
  const folder = snapshotFolder(context.paths.database);
  const needed = new Set(context.sources.map((source) => source.system).filter((system) => needsSnapshot(folder, before, system)));
  const refs: SnapshotRef[] = [];
  const contentIds = new Map<SystemId, string>();
  let discarded = false;
  const discard = () => {
    discarded = true;
    removeSnapshots(folder, refs.map((ref) => ref.snapshotFile));
  };
  return {
    needed,
    contentIds,
    write(system, read) {
      const fingerprint = before.fingerprints.get(system);
      if (discarded || !fingerprint || !needed.has(system)) return;
      const source = context.sources.find((entry) => entry.system === system)!;
      try {
        onWrite(system);
        const written = writeSnapshot(folder, read, fingerprint);
        refs.push({ system, runId, file: source.location, fingerprint, keyCount: read.index.size, snapshotFile: written.file });
        contentIds.set(system, written.contentId);
      } catch (error) {
        // A full disk part way: the files already written go with the run.
        discard();
        throw error;
      }
    },
    written: (systems) => [...refs].sort((a, b) => systems.indexOf(a.system) - systems.indexOf(b.system)),
    discard,
  };
}
