/**
 * The read stage: every source into a KeyIndex. In incremental mode a source whose
 * fingerprint matches its stored snapshot is taken from the snapshot instead of being
 * parsed again, and so is a file whose keys digest does; the results are the same either way
 * (tested on randomised change sets). Which snapshots can be taken is decided first
 * (reusableSnapshots), by their headers, so that a run can carry the previous comparison
 * forward without loading them (run/carried-comparison.ts).
 * Snapshots of the sources parsed are written here too, each as its read arrives, and
 * removed by a run that does not commit (docs/decisions.md §10).
 */
import type { RunMode, SystemId } from '../core/types.js';
import { readAllSources, type SourcesRead } from '../sources/read-all.js';
import type { SourceRead } from '../sources/read-source.js';
import { listSnapshots, loadSnapshot, removeSnapshots, snapshotFolder, snapshotKeysDigest, snapshotOutline, type SnapshotContent, type SnapshotOutline, type SnapshotRef } from '../store/snapshots.js';
import { snapshotWrites } from './snapshot-writes.js';
import { sameReadSettings, sourceFingerprint, type ReadSettings } from './source-fingerprint.js';
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
  /** Stored snapshots taken for a file whose keys digest is unchanged, under the file's new fingerprint (RunRead.repointedSnapshots); none in a dry run. */
  readonly repointed: readonly SnapshotRef[];
  /**
   * The snapshot content each system's keys came from or went into, where it has an id
   * (core/run-inputs.ts): the sources taken from snapshots, and those whose snapshot this run wrote.
   */
  readonly contentIds: ReadonlyMap<SystemId, string>;
}

export interface ReadStageOptions {
  /** What reusableSnapshots found: the run loads those snapshots and reads the rest. */
  readonly reusable: ReusableSnapshots;
  readonly signal?: AbortSignal;
  readonly onSourceProgress: (system: SystemId, rows: number, sourcesDone: number, sourceCount: number) => void;
  /** Write the snapshots of the sources parsed, under this run's id (not in a dry run), and a call as each write starts. */
  readonly snapshots?: { readonly runId: string; readonly onWrite: (system: SystemId) => void };
  /**
   * Called with each source taken from its snapshot, while the others are read (read-all's
   * `whileReading`), and with each source parsed this run as its read arrives, after its
   * snapshot is written (read-all's `onSourceRead`).
   */
  readonly onSourceRead?: (system: SystemId, read: SourceRead) => void;
}

/**
 * What a run knows of its sources before loading any of them: their fingerprints, the stored
 * snapshot references, and — in incremental mode — the snapshots it can take instead of
 * reading, each checked by its header alone.
 */
export interface ReusableSnapshots {
  /** Each source's fingerprint before it was read (undefined when it has none: not stat'able, a database without fingerprint_query). */
  readonly fingerprints: ReadonlyMap<SystemId, string | undefined>;
  /** The stored snapshot references before this run. */
  readonly snapshots: ReadonlyMap<SystemId, SnapshotRef>;
  /** Per system whose snapshot the run can take: its reference, its outline and, when the file changed but not its keys, the reference stored under the new fingerprint. */
  readonly reusable: ReadonlyMap<SystemId, ReusableSnapshot>;
  /** Systems whose stored snapshot matched but was missing or damaged: the run reads them and writes it again. */
  readonly damaged: ReadonlySet<SystemId>;
}

export interface ReusableSnapshot {
  readonly ref: SnapshotRef;
  readonly outline: SnapshotOutline;
  /** For a file taken by keys digest: its new reference (RunRead.repointedSnapshots); none in a dry run. */
  readonly repointed?: SnapshotRef;
}

/**
 * The sources an incremental run can take from their snapshots: those whose fingerprint is the
 * stored one, and those whose file changed while nothing reading depends on did — the same
 * settings and the same keys digest (docs/decisions.md §22), as when an export rewrote its
 * other columns. The second kind costs one scan of the file, with nothing normalised or kept,
 * instead of a read. Nothing is loaded yet: a run that carries the previous comparison forward
 * loads only the authority's (run/carried-comparison.ts).
 */
export async function reusableSnapshots(context: WorkspaceContext, store: Store, options: { readonly mode: RunMode; readonly runId?: string; readonly signal?: AbortSignal }): Promise<ReusableSnapshots> {
  const snapshots = new Map((await store.read((db) => listSnapshots(db))).map((ref) => [ref.system, ref]));
  const fingerprints = new Map(
    await Promise.all(context.sources.map(async (source) => [source.system, await sourceFingerprint(source, readSettings(context), options.signal)] as const)),
  );
  const reusable = new Map<SystemId, ReusableSnapshot>();
  const damaged = new Set<SystemId>();
  if (options.mode !== 'incremental') return { fingerprints, snapshots, reusable, damaged };
  const { logger } = context;
  const folder = snapshotFolder(context.paths.database);
  for (const source of context.sources) {
    const ref = snapshots.get(source.system);
    const fingerprint = fingerprints.get(source.system);
    if (!ref || !fingerprint) continue;
    if (ref.fingerprint !== fingerprint) {
      const outline = (await sameKeys(folder, source, ref, fingerprint)) ? snapshotOutline(folder, ref, source.system) : undefined;
      if (!outline) continue;
      reusable.set(source.system, { ref, outline, ...(options.runId === undefined ? {} : { repointed: { ...ref, runId: options.runId, fingerprint } }) });
      logger.log('info', `${source.system} changed since run ${ref.runId} but not its keys (same header; every record's line, key field and field count the same): using its snapshot (${ref.keyCount} keys)`);
      continue;
    }
    const outline = snapshotOutline(folder, ref, source.system);
    if (outline) {
      reusable.set(source.system, { ref, outline });
      logger.log('info', `${source.system} unchanged since run ${ref.runId}: using its snapshot (${ref.keyCount} keys)`);
    } else {
      damaged.add(source.system);
      warnDamaged(context, source.system, ref);
    }
  }
  return { fingerprints, snapshots, reusable, damaged };
}

export async function readStage(context: WorkspaceContext, options: ReadStageOptions): Promise<ReadStageResult> {
  const { values } = context.config;
  const { fingerprints, snapshots, reusable } = options.reusable;
  const damagedSnapshots = new Set(options.reusable.damaged);
  const repointed: SnapshotRef[] = [];
  const preloaded = new Map<SystemId, SnapshotContent>();
  const folder = snapshotFolder(context.paths.database);
  for (const [system, taken] of reusable) {
    const content = loadSnapshot(folder, taken.ref, system);
    if (content) {
      preloaded.set(system, content);
      if (taken.repointed) repointed.push(taken.repointed);
    } else {
      // Its header was sound, its keys are not: read, and written again.
      damagedSnapshots.add(system);
      warnDamaged(context, system, taken.ref);
    }
  }
  const fromSnapshot = new Set(preloaded.keys());
  const preloadedArrive = () => {
    for (const [system, read] of preloaded) options.onSourceRead?.(system, read);
  };
  // Each snapshot is written as its source's read arrives, while the workers read the others:
  // the main thread is idle then, and the stage ends soon after the last read.
  const writes =
    options.snapshots && snapshotWrites(context, { fingerprints, snapshots, fromSnapshot, damagedSnapshots }, options.snapshots.runId, options.snapshots.onWrite);
  let sources: SourcesRead;
  try {
    sources = await readAllSources(context.sources, {
      authority: values.authority,
      ...readSettings(context),
      parallel: values.processing.parallel,
      maxWorkers: values.processing.max_workers,
      onMissingFile: values.error_handling.on_missing_file,
      retry: { attempts: values.error_handling.retry_attempts, delayMs: values.error_handling.retry_delay_seconds * 1000 },
      logger: context.logger,
      preloaded,
      // A keys digest only for the snapshots about to be written: it costs a pass over each record.
      keysDigestFor: writes?.needed,
      // The sources taken from snapshots are compared while the changed ones are read.
      whileReading: preloaded.size > 0 ? preloadedArrive : undefined,
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
  const contentIds = new Map(writes?.contentIds);
  for (const [system, read] of preloaded) if (read.contentId !== undefined) contentIds.set(system, read.contentId);
  return { sources, fingerprints, snapshots, fromSnapshot, damagedSnapshots, written, repointed, contentIds };
}

/**
 * What reading a source depends on besides the source itself. One function feeds both the
 * read and the fingerprint, so no setting that changes what a source yields can be missing
 * from its fingerprint.
 */
function readSettings(context: WorkspaceContext): ReadSettings {
  const { values } = context.config;
  return { rules: values.normalize, onCorruptData: values.error_handling.on_corrupt_data };
}

function warnDamaged(context: WorkspaceContext, system: SystemId, ref: SnapshotRef): void {
  context.logger.log('warn', `${system}: its snapshot ${ref.snapshotFile} is missing or damaged; reading the source (this run writes it again)`);
}

/**
 * Whether a source whose fingerprint changed would read into its stored snapshot's content:
 * the same read settings, and a keys digest of the file equal to the one the snapshot was
 * written with. False also when the digest cannot be taken: reading then reports why.
 */
async function sameKeys(folder: string, source: WorkspaceContext['sources'][number], ref: SnapshotRef, fingerprint: string): Promise<boolean> {
  if (!source.reader.keysDigestMatches || !sameReadSettings(ref.fingerprint, fingerprint)) return false;
  const stored = snapshotKeysDigest(folder, ref);
  if (stored === undefined) return false;
  return source.reader.keysDigestMatches(stored).catch(() => false);
}

/** Snapshot files written for a commit that did not happen. */
export function removeSnapshotFiles(context: WorkspaceContext, refs: readonly SnapshotRef[]): void {
  removeSnapshots(snapshotFolder(context.paths.database), refs.map((ref) => ref.snapshotFile));
}
