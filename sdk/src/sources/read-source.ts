/**
 * Reads one source into a KeyIndex (docs/behaviour.md §2): its type's scan pushes every row
 * through the shared row policy, so every row keeps its locator and every bad row is
 * described with what was done about it. A source that cannot be used at all (missing,
 * unreadable, empty, no key column, wrong encoding, a missing table …) throws a KeySyncError
 * with a SOURCE_* code, and the orchestrator applies `on_missing_file` to it.
 */
import type { KeysDigest } from '../core/types.js';
import { createRowPolicy, type PolicyResult, type RowPolicyOptions } from './row-policy.js';
import { csvReader } from './csv/csv-type.js';
import type { SourceFile } from './source-file.js';
import type { SourceReader } from './source-type.js';

export type SourceReadOptions = RowPolicyOptions & {
  readonly signal?: AbortSignal;
  /** Take the keys digest of what is read, where the type can (SourceRead.keysDigest). */
  readonly keysDigest?: boolean;
};

/**
 * What reading one source gave: its index, its row count and its bad rows, and the keys
 * digest of what was read (SourceReader.keysDigestMatches) when its type took one.
 */
export type SourceRead = PolicyResult & { readonly keysDigest?: KeysDigest };

/**
 * Bump when reading can give another result for the same source (a file now refused, a key
 * column found differently), so that incremental snapshots made by the old reader are not reused.
 */
export const SOURCE_READER_VERSION = 3;

/** Text of sources other than CSV is Unicode: their keys are decoded by the driver. */
const UNICODE = 'UTF-8';

/** Every row of a source, through the row policy. */
export async function readWithPolicy(reader: SourceReader, options: SourceReadOptions, encoding = UNICODE): Promise<SourceRead> {
  const policy = createRowPolicy({ system: reader.system, location: reader.location, encoding }, options);
  let keysDigest: KeysDigest | undefined;
  await reader.scan(policy, { signal: options.signal, ...(options.keysDigest ? { onKeysDigest: (digest) => (keysDigest = digest) } : {}) });
  return { ...policy.finish(), ...(keysDigest === undefined ? {} : { keysDigest }) };
}

/** A CSV file, as read workers and the CSV tests read one. */
export function readSource(source: SourceFile, options: SourceReadOptions): Promise<SourceRead> {
  return readWithPolicy(csvReader(source), options, source.encoding);
}
