/**
 * A digest of everything in a CSV file's bytes that reading it depends on — its header line
 * whole, and of every other line whether it is blank, how many fields it has and its key
 * field's bytes — and nothing else. Two files with the same digest read into the same keys,
 * row counts and bad rows under the same settings, so a file whose other columns were edited
 * can be taken from its incremental snapshot instead of being parsed again
 * (docs/decisions.md §22).
 *
 * It is taken only where the bytes alone decide the records as csv-scan.ts's plain path
 * splits them: an 8-bit or UTF-8 encoding (a delimiter or line feed byte is never part of
 * another character, and each field decodes on its own), a one-byte ASCII delimiter, no quote
 * byte anywhere (quoting could join lines and fields) and the header on the first line. For
 * any other file there is no digest and the file is read.
 */
import { createHash } from 'node:crypto';
import type { SourceEncoding } from '../source-file.js';

const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const QUOTE = 0x22;

/** What the digest needs of the source besides its bytes. */
export interface KeysDigestSource {
  readonly delimiter: string;
  readonly encoding: SourceEncoding;
  /**
   * The key column's index among the header's fields, decoded as reading decodes them; it
   * throws when the header cannot be read or names no key column (the file is then read, and
   * the read reports it).
   */
  keyColumnOf(headerBytes: Uint8Array): number;
}

/** What one line contributes, tagged so that no two different lines give the same bytes. */
const BLANK = 0;
const HEADER = 1;
const ROW = 2;
const NO_KEY_FIELD = 0xffff_ffff;

/** Projection bytes gathered before they are handed to the hash at once (one call per piece, not per row). */
const PIECE_BYTES = 1 << 20;

/** The digest of `bytes` as a CSV file of `source`, or undefined where the bytes alone do not decide its records (see above). */
export function csvKeysDigest(bytes: Uint8Array, source: KeysDigestSource): string | undefined {
  const delimiter = source.delimiter.length === 1 ? source.delimiter.charCodeAt(0) : -1;
  if (source.encoding === 'utf-16le' || delimiter < 0 || delimiter >= 0x80 || delimiter === LINE_FEED || delimiter === CARRIAGE_RETURN || delimiter === QUOTE) return undefined;
  if (bytes.includes(QUOTE)) return undefined;
  const headerEnd = lineEnd(bytes, 0);
  const bomLength = source.encoding === 'utf-8' && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  if (trimmedEnd(bytes, bomLength, headerEnd) === bomLength) return undefined;
  let keyColumn: number;
  try {
    keyColumn = source.keyColumnOf(bytes.subarray(0, trimmedEnd(bytes, 0, headerEnd)));
  } catch {
    return undefined;
  }
  const projection = new Projection();
  // The header whole, its line end included: the encoding checks read its first bytes raw.
  projection.tag(HEADER);
  projection.bytes(bytes, 0, Math.min(bytes.length, headerEnd + 1));
  for (let start = headerEnd + 1; start < bytes.length; ) {
    const end = lineEnd(bytes, start);
    const last = trimmedEnd(bytes, start, end);
    if (last === start) projection.tag(BLANK);
    else {
      // Fields split at every delimiter byte, as the plain scanner splits the decoded line.
      let fields = 0;
      let fieldStart = start;
      let keyStart = -1;
      let keyEnd = -1;
      for (let at = start; at < last; at++) {
        if (bytes[at] !== delimiter) continue;
        if (fields === keyColumn) {
          keyStart = fieldStart;
          keyEnd = at;
        }
        fields++;
        fieldStart = at + 1;
      }
      if (fields === keyColumn) {
        keyStart = fieldStart;
        keyEnd = last;
      }
      projection.tag(ROW);
      projection.count(fields + 1);
      if (keyStart < 0) projection.count(NO_KEY_FIELD);
      else projection.bytes(bytes, keyStart, keyEnd);
    }
    start = end + 1;
  }
  return projection.digest();
}

/** Where the line starting at `start` ends: its line feed, or the end of the bytes. */
function lineEnd(bytes: Uint8Array, start: number): number {
  const end = bytes.indexOf(LINE_FEED, start);
  return end < 0 ? bytes.length : end;
}

/** The line's end without one carriage return before it, as the scanner trims it. */
function trimmedEnd(bytes: Uint8Array, start: number, end: number): number {
  return end > start && bytes[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
}

/**
 * The projection's bytes, written into one buffer and handed to the hash a piece at a time:
 * byte by byte rather than through Buffer's writers, which cost as much as the scan itself.
 */
class Projection {
  private readonly hash = createHash('sha256');
  private readonly buffer = new Uint8Array(PIECE_BYTES);
  private used = 0;

  tag(tag: number): void {
    if (this.used + 1 > PIECE_BYTES) this.flush();
    this.buffer[this.used++] = tag;
  }

  count(value: number): void {
    if (this.used + 4 > PIECE_BYTES) this.flush();
    const { buffer } = this;
    buffer[this.used++] = value & 0xff;
    buffer[this.used++] = (value >>> 8) & 0xff;
    buffer[this.used++] = (value >>> 16) & 0xff;
    buffer[this.used++] = value >>> 24;
  }

  /** A length, then the bytes: so the next line's tag cannot be read as part of them. */
  bytes(from: Uint8Array, start: number, end: number): void {
    this.count(end - start);
    if (this.used + (end - start) > PIECE_BYTES) this.flush();
    if (end - start > PIECE_BYTES) {
      this.hash.update(from.subarray(start, end));
      return;
    }
    const { buffer } = this;
    let used = this.used;
    for (let at = start; at < end; at++) buffer[used++] = from[at]!;
    this.used = used;
  }

  digest(): string {
    this.flush();
    return this.hash.digest('hex');
  }

  private flush(): void {
    if (this.used > 0) this.hash.update(this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}
