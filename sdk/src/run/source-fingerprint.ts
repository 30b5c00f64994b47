/**
 * What identifies a source's content for incremental mode. It lives with the run, which
 * knows both how sources are read and how snapshots are stored; neither of those layers
 * needs the other.
 */
import { statSync } from 'node:fs';
import { NORMALIZER_VERSION, type NormalizeRules } from '../core/normalize.js';
import type { CorruptDataPolicy } from '../core/types.js';
import { SOURCE_READER_VERSION } from '../sources/read-source.js';
import type { SourceFile } from '../sources/source-file.js';
import { SNAPSHOT_FORMAT } from '../store/snapshots.js';

/** Every setting besides the source's own fields that changes what reading it yields. */
export interface ReadSettings {
  readonly rules: NormalizeRules;
  readonly onCorruptData: CorruptDataPolicy;
}

/**
 * Size, modification time and inode (as make and rsync judge a file unchanged), plus
 * everything that changes what reading it yields — the source's fields, the normalisation
 * rules, the bad-row policy, and the versions of the reader, of the normalisation steps and
 * of the snapshot format. Undefined when the file cannot be stat'ed.
 */
export function sourceFingerprint(source: SourceFile, settings: ReadSettings): string | undefined {
  try {
    const stat = statSync(source.file);
    if (!stat.isFile()) return undefined;
    const { rules, onCorruptData } = settings;
    return JSON.stringify({
      format: SNAPSHOT_FORMAT, size: stat.size, mtimeMs: stat.mtimeMs, ino: stat.ino, source, rules, onCorruptData,
      normalizer: NORMALIZER_VERSION, reader: SOURCE_READER_VERSION,
    });
  } catch {
    return undefined;
  }
}
