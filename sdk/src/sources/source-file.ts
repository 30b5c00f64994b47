import type { SOURCE_ENCODINGS } from '../config/schema.js';
import type { SystemId } from '../core/types.js';

export type SourceEncoding = (typeof SOURCE_ENCODINGS)[number];

/** A configured source with its path resolved: everything the reader needs. */
export interface SourceFile {
  readonly system: SystemId;
  readonly file: string;
  readonly keyColumn: string;
  readonly delimiter: string;
  readonly encoding: SourceEncoding;
}
