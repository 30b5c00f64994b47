/**
 * The read stage: every source into a KeyIndex. In incremental mode a source whose
 * fingerprint matches its stored snapshot is taken from the snapshot instead of being
 * parsed again, and so is a file whose keys digest does; the results are the same either way
 * (tested on randomised change sets).
 * Snapshots of the sources parsed are written here too, each as its read arrives, and
 * removed by a run that does not commit (docs/decisions.md §10).
 */
import type { RunMode, SystemId } from '../core/types.js';
import { readAllSources, type SourcesRead } from '../sources/read-all.js';
import type { SourceRead } from '../sources/read-source.js';
import { listSnapshots, loadSnapshot, removeSnapshots, snapshotFolder, snapshotKeysDigest, type SnapshotContent, type SnapshotRef } from '../store/snapshots.js';
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
  readonly mode: RunMode;
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
  const repointed: SnapshotRef[] = [];
  const preloaded =
    options.mode === 'incremental'
      ? await unchangedSources(context, { snapshots, fingerprints, damaged: damagedSnapshots, repointed, runId: options.snapshots?.runId })
      : new Map<SystemId, SnapshotContent>();
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
      ...settings,
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

/** What `unchangedSources` decides from, and the two collections it fills. */
interface UnchangedLookup {
  readonly snapshots: ReadonlyMap<SystemId, SnapshotRef>;
  readonly fingerprints: ReadonlyMap<SystemId, string | undefined>;
  /** Filled with the sources whose matching snapshot is missing or damaged. */
  readonly damaged: Set<SystemId>;
  /** Filled with a new reference for each snapshot taken by keys digest (below). */
  readonly repointed: SnapshotRef[];
  /** This run's id, which a repointed reference carries (undefined in a dry run, which keeps none). */
  readonly runId: string | undefined;
}

/**
 * The sources an incremental run takes from their snapshots: those whose fingerprint is the
 * stored one, and those whose file changed while nothing reading depends on did — the same
 * settings and the same keys digest (docs/decisions.md §22), as when an export rewrote its
 * other columns. The second kind costs one scan of the file, with nothing normalised or kept,
 * instead of a read.
 */
async function unchangedSources(context: WorkspaceContext, lookup: UnchangedLookup): Promise<Map<SystemId, SnapshotContent>> {
  const { logger } = context;
  const folder = snapshotFolder(context.paths.database);
  const preloaded = new Map<SystemId, SnapshotContent>();
  for (const source of context.sources) {
    const ref = lookup.snapshots.get(source.system);
    const fingerprint = lookup.fingerprints.get(source.system);
    if (!ref || !fingerprint) continue;
    if (ref.fingerprint !== fingerprint) {
      const content = await sameKeysSnapshot(folder, source, ref, fingerprint);
      if (!content) continue;
      preloaded.set(source.system, content);
      if (lookup.runId !== undefined) lookup.repointed.push({ ...ref, runId: lookup.runId, fingerprint });
      logger.log('info', `${source.system} changed since run ${ref.runId} but not its keys (same header; every record's line, key field and field count the same): using its snapshot (${ref.keyCount} keys)`);
      continue;
    }
    const content = loadSnapshot(folder, ref, source.system);
    if (content) {
      preloaded.set(source.system, content);
      logger.log('info', `${source.system} unchanged since run ${ref.runId}: using its snapshot (${ref.keyCount} keys)`);
    } else {
      lookup.damaged.add(source.system);
      logger.log('warn', `${source.system}: its snapshot ${ref.snapshotFile} is missing or damaged; reading the source (this run writes it again)`);
    }
  }
  return preloaded;
}

/**
 * The stored snapshot of a source whose fingerprint changed, when reading it now would give
 * the snapshot's content: the same read settings, and a keys digest of the file equal to the
 * one the snapshot was written with. Undefined otherwise (the source is then read), also when
 * the digest cannot be taken: reading reports why.
 */
async function sameKeysSnapshot(folder: string, source: WorkspaceContext['sources'][number], ref: SnapshotRef, fingerprint: string): Promise<SnapshotContent | undefined> {
  if (!source.reader.keysDigestMatches || !sameReadSettings(ref.fingerprint, fingerprint)) return undefined;
  const stored = snapshotKeysDigest(folder, ref);
  if (stored === undefined) return undefined;
  const matches = await source.reader.keysDigestMatches(stored).catch(() => false);
  return matches ? loadSnapshot(folder, ref, source.system) : undefined;
}

/** Snapshot files written for a commit that did not happen. */
export function removeSnapshotFiles(context: WorkspaceContext, refs: readonly SnapshotRef[]): void {
  removeSnapshots(snapshotFolder(context.paths.database), refs.map((ref) => ref.snapshotFile));
}
