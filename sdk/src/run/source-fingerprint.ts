/**
 * What identifies a source's content for incremental mode. It lives with the run, which
 * knows both how sources are read and how snapshots are stored; neither of those layers
 * needs the other.
 */
import { NORMALIZER_VERSION, type NormalizeRules } from '../core/normalize.js';
import type { CorruptDataPolicy } from '../core/types.js';
import { SOURCE_READER_VERSION } from '../sources/read-source.js';
import type { ConfiguredSource } from '../sources/registry.js';
import { SNAPSHOT_FORMAT } from '../store/snapshots.js';

/** Every setting besides the source's own fields that changes what reading it yields. */
export interface ReadSettings {
  readonly rules: NormalizeRules;
  readonly onCorruptData: CorruptDataPolicy;
}

/**
 * The source type's own fingerprint (a file's size, modification time and inode; a
 * database's `fingerprint_query` result), plus everything that changes what reading it
 * yields — the source's fields and location, the normalisation rules, the bad-row policy,
 * and the versions of the reader, of the normalisation steps and of the snapshot format.
 * Undefined when the type has none for it now: the source is then read.
 */
export async function sourceFingerprint(source: ConfiguredSource, settings: ReadSettings, signal?: AbortSignal): Promise<string | undefined> {
  let content: string | undefined;
  try {
    content = await source.reader.fingerprint({ signal });
  } catch {
    // A fingerprint that fails says nothing: the source is read, and reading reports the failure.
    return undefined;
  }
  if (content === undefined) return undefined;
  const { rules, onCorruptData } = settings;
  return JSON.stringify({
    format: SNAPSHOT_FORMAT, content, location: source.location, source: source.config, rules, onCorruptData,
    normalizer: NORMALIZER_VERSION, reader: SOURCE_READER_VERSION,
  });
}

/**
 * Whether two fingerprints (sourceFingerprint's) differ at most in the source's own content
 * fingerprint: every setting that changes what reading yields is the same, so a source whose
 * keys digest is unchanged reads as before (docs/decisions.md §22).
 */
export function sameReadSettings(a: string, b: string): boolean {
  const settingsOf = (fingerprint: string) => JSON.stringify({ ...(JSON.parse(fingerprint) as object), content: undefined });
  try {
    return settingsOf(a) === settingsOf(b);
  } catch {
    // A fingerprint from an older version that is not JSON: nothing to compare.
    return false;
  }
}
