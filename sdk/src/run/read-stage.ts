/**
 * The read stage: every source into a KeyIndex. In incremental mode a source whose
 * fingerprint matches its stored snapshot is taken from the snapshot instead of being
 * parsed again; the results are the same either way (tested on randomised change sets).
 * Snapshots of the sources parsed are written here too, each as its read arrives, and
 * removed by a run that does not commit (docs/decisions.md §10).
 */
import type { RunMode, SystemId } from '../core/types.js';
import { readAllSources, type SourcesRead } from '../sources/read-all.js';
import type { SourceRead } from '../sources/read-source.js';
import { listSnapshots, loadSnapshot, removeSnapshots, snapshotFolder, type SnapshotRef } from '../store/snapshots.js';
import { snapshotWrites } from './snapshot-writes.js';
import { sourceFingerprint, type ReadSettings } from './source-fingerprint.js';
import type { Store } from '../store/store.js';
import type { WorkspaceContext } from './workspace-context.js';

export interface ReadStageResult {
  readonly sources: SourcesRead;
  /** Each source's fingerprint before it was read (undefined when it has none: not stat'able, a database without fingerprint_query). */
  readonly fingerprints: ReadonlyMap<SystemId, string | undefined>;
  /** The stored snapshot references before this run. */
  readonly snapshots: ReadonlyMap<SystemId, SnapshotRef>;
  /** Systems taken from their snapshot rather than parsed. */
  readonly fromSnapshot: ReadonlySet<SystemId>;
  /** Systems whose stored snapshot matched but was missing or damaged: the commit rewrites it. */
  readonly damagedSnapshots: ReadonlySet<SystemId>;
  /** The snapshot files this run wrote (authority first, then config order); none in a dry run. */
  readonly written: readonly SnapshotRef[];
}

export interface ReadStageOptions {
  readonly mode: RunMode;
  readonly signal?: AbortSignal;
  readonly onSourceProgress: (system: SystemId, rows: number, sourcesDone: number, sourceCount: number) => void;
  /** Write the snapshots of the sources parsed, under this run's id (not in a dry run), and a call as each write starts. */
  readonly snapshots?: { readonly runId: string; readonly onWrite: (system: SystemId) => void };
  /**
   * Called with each source taken from its snapshot, before the others are read, and with each
   * source parsed this run as its read arrives, after its snapshot is written (read-all's
   * `onSourceRead`).
   */
  readonly onSourceRead?: (system: SystemId, read: SourceRead) => void;
}

export async function readStage(context: WorkspaceContext, store: Store, options: ReadStageOptions): Promise<ReadStageResult> {
  const { values } = context.config;
  const snapshots = new Map((await store.read((db) => listSnapshots(db))).map((ref) => [ref.system, ref]));
  // One settings object feeds both the read and the fingerprint, so no setting that changes
  // what a source yields can be missing from its fingerprint.
  const settings: ReadSettings = { rules: values.normalize, onCorruptData: values.error_handling.on_corrupt_data };
  const fingerprints = new Map(
    await Promise.all(context.sources.map(async (source) => [source.system, await sourceFingerprint(source, settings, options.signal)] as const)),
  );
  const damagedSnapshots = new Set<SystemId>();
  const preloaded =
    options.mode === 'incremental' ? unchangedSources(context, snapshots, fingerprints, damagedSnapshots) : new Map<SystemId, SourceRead>();
  const fromSnapshot = new Set(preloaded.keys());
  for (const [system, read] of preloaded) options.onSourceRead?.(system, read);
  // Each snapshot is written as its source's read arrives, while the workers read the others:
  // the main thread is idle then, and the stage ends soon after the last read.
  const writes = options.snapshots && snapshotWrites(context, { fingerprints, snapshots, fromSnapshot, damagedSnapshots }, options.snapshots.runId, options.snapshots.onWrite);
  let sources: SourcesRead;
  try {
    sources = await readAllSources(context.sources, {
      authority: values.authority,
      ...settings,
      parallel: values.processing.parallel,
      maxWorkers: values.processing.max_workers,
      onMissingFile: values.error_handling.on_missing_file,
      retry: { attempts: values.error_handling.retry_attempts, delayMs: values.error_handling.retry_delay_seconds * 1000 },
      logger: context.logger,
      preloaded,
      signal: options.signal,
      onSourceProgress: options.onSourceProgress,
      onSourceRead: (system, read) => {
        writes?.write(system, read);
        options.onSourceRead?.(system, read);
      },
    });
  } catch (error) {
    // A read that failed after some snapshots were written (another source, a cancel, a write).
    writes?.discard();
    throw error;
  }
  const written = writes ? writes.written([sources.authority, ...sources.others].map((index) => index.system)) : [];
  return { sources, fingerprints, snapshots, fromSnapshot, damagedSnapshots, written };
}

function unchangedSources(
  context: WorkspaceContext,
  snapshots: ReadonlyMap<SystemId, SnapshotRef>,
  fingerprints: ReadonlyMap<SystemId, string | undefined>,
  damaged: Set<SystemId>,
): Map<SystemId, SourceRead> {
  const { logger } = context;
  const folder = snapshotFolder(context.paths.database);
  const preloaded = new Map<SystemId, SourceRead>();
  for (const source of context.sources) {
    const ref = snapshots.get(source.system);
    const fingerprint = fingerprints.get(source.system);
    if (!ref || !fingerprint || ref.fingerprint !== fingerprint) continue;
    const content = loadSnapshot(folder, ref, source.system);
    if (content) {
      preloaded.set(source.system, content);
      logger.log('info', `${source.system} unchanged since run ${ref.runId}: using its snapshot (${ref.keyCount} keys)`);
    } else {
      damaged.add(source.system);
      logger.log('warn', `${source.system}: its snapshot ${ref.snapshotFile} is missing or damaged; reading the source (this run writes it again)`);
    }
  }
  return preloaded;
}

/** Snapshot files written for a commit that did not happen. */
export function removeSnapshotFiles(context: WorkspaceContext, refs: readonly SnapshotRef[]): void {
  removeSnapshots(snapshotFolder(context.paths.database), refs.map((ref) => ref.snapshotFile));
}
