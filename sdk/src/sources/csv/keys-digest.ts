/**
 * A CSV file's keys digest: a SHA-256 of exactly what its scan hands the reader (csv-scan.ts's
 * handlers) — the header's fields, and for every other record its line, its key field and its
 * field count, or that it could not be parsed — and of nothing else. Those calls are all the
 * reader sees of a file, so two files with the same digest read into the same keys, row
 * counts and bad rows under the same settings, whatever their other columns hold: a file an
 * export rewrote with new timestamps or statuses can be taken from its incremental snapshot
 * instead of being parsed again (docs/decisions.md §22).
 */
import { createHash } from 'node:crypto';
import type { KeysDigest } from '../../core/types.js';
import type { CsvScanHandlers } from './csv-scan.js';

/** What each call contributes starts with a tag, so that no two different sequences give the same bytes. */
const HEADER = 1;
const ROW = 2;
const NO_KEY_FIELD = 3;
const UNPARSEABLE = 4;

/** Bytes gathered before they are handed to the hash at once (one call per piece, not per row). */
const PIECE_BYTES = 1 << 20;

/**
 * Records between checkpoints: a check of a file whose keys changed anywhere in its first
 * this many records stops there, instead of scanning the whole file for a digest that
 * cannot match. Small enough that a 100k-row file stops early too; 122 checkpoints (8 KB of
 * header) at a million rows.
 */
export const CHECKPOINT_RECORDS = 8_192;

/** Thrown by a check at the first checkpoint that differs from the expected digest's. */
export class KeysDigestMismatch extends Error {
  constructor() {
    super('the keys digest differs');
  }
}

/**
 * The digest being taken of one scan's handler calls, in order. Every file a run reads and
 * snapshots pays for it, so what is hashed is kept small: numbers as varints, a record's line
 * as the step from the one before, text one byte per code unit when every unit fits in one.
 * Given the digest a file is expected to have, it throws KeysDigestMismatch at the first
 * checkpoint that differs.
 */
export class KeysDigestBuilder {
  private readonly hash = createHash('sha256');
  private readonly buffer = new Uint8Array(PIECE_BYTES);
  private used = 0;
  private sawHeader = false;
  private lastLine = 0;
  private records = 0;
  private readonly checkpoints: string[] = [];

  constructor(private readonly expected?: KeysDigest) {}

  header(fields: readonly string[], line: number): void {
    this.sawHeader = true;
    this.record(HEADER, line);
    this.number(fields.length);
    for (const field of fields) this.text(field);
  }

  row(key: string | undefined, fieldCount: number, line: number): void {
    this.record(key === undefined ? NO_KEY_FIELD : ROW, line);
    this.number(fieldCount);
    if (key !== undefined) this.text(key);
    this.counted();
  }

  unparseable(line: number, message: string): void {
    this.record(UNPARSEABLE, line);
    this.text(message);
    this.counted();
  }

  /** The digest; undefined when the scan found no header (the read then refuses the file as empty). */
  result(): KeysDigest | undefined {
    if (!this.sawHeader) return undefined;
    this.flush();
    return { digest: this.hash.digest('hex'), checkpoints: this.checkpoints };
  }

  /** Counts a record after it is taken; at every CHECKPOINT_RECORDS, the digest so far. */
  private counted(): void {
    if (++this.records % CHECKPOINT_RECORDS !== 0) return;
    this.flush();
    const checkpoint = this.hash.copy().digest('hex');
    const { expected } = this;
    if (expected && expected.checkpoints[this.checkpoints.length] !== checkpoint) throw new KeysDigestMismatch();
    this.checkpoints.push(checkpoint);
  }

  /** A record's tag and line. Lines only grow (csv-scan.ts), so the step is never negative. */
  private record(tag: number, line: number): void {
    if (this.used + 1 > PIECE_BYTES) this.flush();
    this.buffer[this.used++] = tag;
    this.number(line - this.lastLine);
    this.lastLine = line;
  }

  // Byte by byte rather than through Buffer's writers: this runs for every row of every file
  // snapshotted, and the writers' checks cost more than the rest of it.
  private number(value: number): void {
    if (this.used + 5 > PIECE_BYTES) this.flush();
    const { buffer } = this;
    let rest = value;
    while (rest >= 0x80) {
      buffer[this.used++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    buffer[this.used++] = rest;
  }

  /**
   * Its length and width, then its code units: one byte each when all fit in one, else two.
   * The length comes first, so what follows cannot be read as part of it.
   */
  private text(text: string): void {
    const { length } = text;
    if (this.used + 5 + length * 2 > PIECE_BYTES) {
      this.flush();
      if (5 + length * 2 > PIECE_BYTES) {
        // Longer than a piece: two bytes a unit straight to the hash, as the wide form below.
        this.number(length * 2 + 1);
        this.flush();
        this.hash.update(Buffer.from(text, 'utf16le'));
        return;
      }
    }
    const { buffer } = this;
    const lengthAt = this.used;
    this.number(length * 2);
    const start = this.used;
    let used = start;
    let wide = 0;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      wide |= code;
      buffer[used++] = code;
    }
    if (wide > 0xff) {
      // Written again two bytes a unit, under a length that says so.
      this.used = lengthAt;
      this.number(length * 2 + 1);
      used = this.used;
      for (let i = 0; i < length; i++) {
        const code = text.charCodeAt(i);
        buffer[used++] = code & 0xff;
        buffer[used++] = code >>> 8;
      }
    }
    this.used = used;
  }

  private flush(): void {
    if (this.used > 0) this.hash.update(this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}

/** `handlers` with every call also taken into `digest`, in the order the scan makes them. */
export function digestingHandlers(handlers: CsvScanHandlers, digest: KeysDigestBuilder): CsvScanHandlers {
  return {
    header(fields, line) {
      digest.header(fields, line);
      return handlers.header(fields, line);
    },
    row(key, fieldCount, line) {
      digest.row(key, fieldCount, line);
      handlers.row(key, fieldCount, line);
    },
    unparseable(line, message) {
      digest.unparseable(line, message);
      handlers.unparseable(line, message);
    },
  };
}
