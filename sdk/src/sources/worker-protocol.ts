/** Messages between the main thread and read workers. */
import type { KeyIndexParts } from '../core/key-index.js';
import type { NormalizeRules } from '../core/normalize.js';
import type { BadRow, CorruptDataPolicy, KeysDigest } from '../core/types.js';
import type { ErrorCode, ErrorKind } from '../errors.js';
import type { SourceFile } from './source-file.js';

export interface ReadRequest {
  readonly source: SourceFile;
  readonly rules: NormalizeRules;
  readonly onCorruptData: CorruptDataPolicy;
  /** Take the read's keys digest too (SourceReadOptions.keysDigest). */
  readonly keysDigest: boolean;
}

export interface SerializedError {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly message: string;
  readonly file?: string;
  readonly line?: number | string;
  readonly remedy?: string;
}

export type WorkerReply =
  | { readonly type: 'progress'; readonly rows: number }
  | { readonly type: 'done'; readonly parts: KeyIndexParts; readonly rows: number; readonly badRows: readonly BadRow[]; readonly keysDigest?: KeysDigest }
  | { readonly type: 'error'; readonly error: SerializedError };
