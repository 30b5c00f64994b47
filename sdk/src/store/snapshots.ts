/**
 * Source snapshots for incremental mode: a source's sealed KeyIndex (and its row counts
 * and bad rows) in a side file beside the database, named by the source's fingerprint.
 * Loading one is a few buffer copies — no per-key work: keys and raw forms are typed arrays
 * and text, never JSON — so an unchanged source costs almost nothing on the next
 * incremental run. The database row says which file is current;
 * files no row names (from an interrupted run) are removed on the next commit — but only
 * files KeySync can prove it wrote: its own file name pattern and its own magic bytes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync, rmSync } from 'node:fs';
import path from 'node:path';
import { KeyIndex, type KeyIndexData } from '../core/key-index.js';
import type { BadRow, KeysDigest, SystemId } from '../core/types.js';
import { writeChunksAtomically } from '../io/atomic-file.js';
import type { Db, Tx } from './backend.js';

/** Bump when the file layout or KeyIndex changes: old snapshots are then simply not used. */
export const SNAPSHOT_FORMAT = 'KSNAP5';
const MAGIC = `${SNAPSHOT_FORMAT}\n`;
/**
 * A file is MAGIC, the header's length (u32), the header's SHA-256, the header (JSON), padding
 * to 4 bytes, the arrays and the text, then the SHA-256 of everything before it. A snapshot is
 * trusted in place of its source, so damage that keeps the file's shape (a changed byte of
 * key text, a changed digit of a count) must show too: the header's digest is checked
 * whenever the file is opened, the whole file's when its keys are loaded.
 */
const DIGEST_BYTES = 32;
/** What every format version starts with: how cleanup recognises a file as a snapshot. */
const MAGIC_PREFIX = 'KSNAP';

export interface SnapshotRef {
  readonly system: string;
  readonly runId: string;
  readonly file: string;
  readonly fingerprint: string;
  readonly keyCount: number;
  /** Relative to the snapshot folder. */
  readonly snapshotFile: string;
}

/** What a snapshot holds: a source's sealed KeyIndex, its row count and its bad rows. */
export interface SnapshotContent {
  readonly index: KeyIndex;
  readonly rows: number;
  readonly badRows: readonly BadRow[];
  /**
   * A digest of what reading depended on (SourceReader.keysDigestMatches), when the source had
   * one: a later file with the same digest reads into this content (docs/decisions.md §22).
   */
  readonly keysDigest?: KeysDigest;
  /**
   * Names this content, made once when the file is written: a run records it for the keys it
   * compared (core/run-inputs.ts). Undefined for a file written before ids were kept.
   */
  readonly contentId?: string;
}

/** A snapshot file just written: its name within the folder and the id of its content. */
export interface WrittenSnapshot {
  readonly file: string;
  readonly contentId: string;
}

/**
 * `<database file>.snapshots/`, named after the database so that it is plainly KeySync's
 * and cannot be a folder the user made for something else.
 */
export function snapshotFolder(databaseFile: string): string {
  return `${databaseFile}.snapshots`;
}

/** The folder earlier versions used; its KeySync files are cleaned up, nothing else. */
export function legacySnapshotFolder(databaseFile: string): string {
  return path.join(path.dirname(databaseFile), 'snapshots');
}

/** `<system>-<16 hex digits>.ksnap`, as writeSnapshot names them. */
const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}-[0-9a-f]{16}\.ksnap$/;
/** writeChunksAtomically's temp file for a snapshot, left by a process killed mid-write. */
const SNAPSHOT_TEMP_NAME = /^\.([A-Za-z0-9][A-Za-z0-9_.-]{0,63}-[0-9a-f]{16}\.ksnap)\.\d+\.tmp$/;

interface Header {
  readonly system: string;
  readonly count: number;
  /** Of the key text and the raw text alike. */
  readonly textEncoding: 'latin1' | 'utf16le';
  readonly textBytes: number;
  /** How many keys have a raw form of their own (rawPositions, rawEnds), and its text's bytes. */
  readonly rawCount: number;
  readonly rawTextBytes: number;
  readonly rows: number;
  readonly badRows: readonly BadRow[];
  readonly duplicates: KeyIndexData['duplicates'];
  readonly repeatedRows: number;
  /** Locators the firstLines array cannot hold (text primary keys …); absent for a CSV. */
  readonly locators?: KeyIndexData['locators'];
  /** The keys digest of what was read (SnapshotContent.keysDigest); absent when the source had none. */
  readonly keysDigest?: KeysDigest;
  /** SnapshotContent.contentId. */
  readonly contentId?: string;
}

/** Writes the snapshot file for a read source, under a new content id. */
export function writeSnapshot(folder: string, read: Omit<SnapshotContent, 'contentId'>, fingerprint: string): WrittenSnapshot {
  const contentId = randomUUID();
  const data = read.index.data;
  const latin1 = /^[\u0000-\u00ff]*$/;
  const textEncoding = latin1.test(data.keyText) && latin1.test(data.rawText) ? 'latin1' : 'utf16le';
  const bytesPerChar = textEncoding === 'latin1' ? 1 : 2;
  const header: Header = {
    system: data.system,
    count: data.hashes.length,
    textEncoding,
    textBytes: data.keyText.length * bytesPerChar,
    rawCount: data.rawPositions.length,
    rawTextBytes: data.rawText.length * bytesPerChar,
    rows: read.rows,
    badRows: read.badRows,
    duplicates: data.duplicates,
    repeatedRows: data.repeatedRows,
    ...(data.locators ? { locators: data.locators } : {}),
    ...(read.keysDigest === undefined ? {} : { keysDigest: read.keysDigest }),
    contentId,
  };
  const headerBytes = Buffer.from(JSON.stringify(header));
  const headerStart = MAGIC.length + 4 + DIGEST_BYTES;
  const prefix = Buffer.alloc(align4(headerStart + headerBytes.length));
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(headerBytes.length, MAGIC.length);
  sha256(headerBytes).copy(prefix, MAGIC.length + 4);
  headerBytes.copy(prefix, headerStart);
  const name = `${data.system}-${createHash('sha1').update(fingerprint).digest('hex').slice(0, 16)}.ksnap`;
  mkdirSync(folder, { recursive: true });
  function* chunks() {
    const whole = createHash('sha256');
    // Each chunk is hashed before it is handed on: the text's buffer is filled again after.
    const hashed = (chunk: Uint8Array) => {
      whole.update(chunk);
      return chunk;
    };
    for (const array of [prefix, bytesOf(data.hashes), bytesOf(data.keyEnds), bytesOf(data.firstLines), bytesOf(data.rawPositions), bytesOf(data.rawEnds)]) yield hashed(array);
    const piece = Buffer.allocUnsafe(TEXT_PIECE_BYTES);
    for (const text of [data.keyText, data.rawText]) for (const chunk of encodedInPieces(text, textEncoding, piece)) yield hashed(chunk);
    yield whole.digest();
  }
  writeChunksAtomically(path.join(folder, name), chunks(), { replace: true });
  return { file: name, contentId };
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash('sha256').update(bytes).digest();
}

/** Text goes to the file in pieces of this size: all of it at once was a copy of about 250 MB per 10M-key source. */
const TEXT_PIECE_BYTES = 16 * 2 ** 20;

/**
 * Text as bytes, piece by piece through one buffer. Each piece is written before the next
 * is pulled (writeChunksAtomically), so the buffer can be filled again. Both encodings take
 * a fixed number of bytes per UTF-16 code unit, so the pieces join up exactly.
 */
function* encodedInPieces(text: string, encoding: 'latin1' | 'utf16le', buffer: Buffer): Generator<Buffer> {
  const charsPerPiece = encoding === 'latin1' ? buffer.length : buffer.length / 2;
  for (let start = 0; start < text.length; start += charsPerPiece) {
    yield buffer.subarray(0, buffer.write(text.slice(start, start + charsPerPiece), 0, encoding));
  }
}

/** A snapshot file opened: its size, a reader of exact byte ranges, and its parsed header. */
interface OpenedSnapshot {
  readonly size: number;
  readonly readAt: (target: Uint8Array, position: number) => void;
  readonly header: Header;
  /** The bytes before the arrays (magic, header and padding), for the whole file's digest. */
  readonly prefix: Buffer;
}

/**
 * Opens the snapshot file `ref` names for `use`, and closes it after; undefined (never an
 * error) when the file is missing, not a snapshot of this format, or damaged.
 */
function withSnapshotFile<T>(folder: string, ref: SnapshotRef, use: (opened: OpenedSnapshot) => T | undefined): T | undefined {
  const file = path.join(folder, ref.snapshotFile);
  if (!existsSync(file)) return undefined;
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const size = fstatSync(fd).size;
    const readAt = (target: Uint8Array, position: number) => {
      for (let done = 0; done < target.length; ) {
        const read = readSync(fd!, target, done, target.length - done, position + done);
        if (read === 0) throw new Error('snapshot shorter than its header says');
        done += read;
      }
    };
    const head = Buffer.alloc(MAGIC.length + 4 + DIGEST_BYTES);
    if (size < head.length) return undefined;
    readAt(head, 0);
    if (head.toString('latin1', 0, MAGIC.length) !== MAGIC) return undefined;
    const headerLength = head.readUInt32LE(MAGIC.length);
    const prefixLength = align4(head.length + headerLength);
    if (prefixLength > size) return undefined;
    const prefix = Buffer.alloc(prefixLength);
    readAt(prefix, 0);
    const headerBytes = prefix.subarray(head.length, head.length + headerLength);
    if (!sha256(headerBytes).equals(head.subarray(MAGIC.length + 4))) return undefined;
    const header = JSON.parse(headerBytes.toString('utf8')) as Header;
    return use({ size, readAt, header, prefix });
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * The keys digest the snapshot was written with (SnapshotContent.keysDigest), read from its
 * header alone; undefined when it has none or the file is missing or damaged.
 */
export function snapshotKeysDigest(folder: string, ref: SnapshotRef): KeysDigest | undefined {
  return withSnapshotFile(folder, ref, ({ header }) => (isKeysDigest(header.keysDigest) ? header.keysDigest : undefined));
}

/** A header's keys digest as this version writes it (a file's header is data, not trusted). */
function isKeysDigest(value: unknown): value is KeysDigest {
  const digest = value as KeysDigest | undefined;
  return typeof digest?.digest === 'string' && Array.isArray(digest.checkpoints) && digest.checkpoints.every((checkpoint) => typeof checkpoint === 'string');
}

/** What a snapshot's header says of its source, read without its keys. */
export interface SnapshotOutline {
  readonly contentId?: string;
  readonly keyCount: number;
  readonly rows: number;
  readonly badRows: readonly BadRow[];
  readonly repeatedRows: number;
}

/**
 * The snapshot's outline from its header alone, or undefined when the file is missing, of
 * another format or system, not the size its header says, or its header is not as written.
 */
export function snapshotOutline(folder: string, ref: SnapshotRef, system: SystemId): SnapshotOutline | undefined {
  return withSnapshotFile(folder, ref, ({ size, header, prefix }) => {
    if (!wholeFile(header, prefix.length, size) || header.system !== system) return undefined;
    const { count: keyCount, rows, badRows, repeatedRows, contentId } = header;
    return { keyCount, rows, badRows, repeatedRows, ...(typeof contentId === 'string' ? { contentId } : {}) };
  });
}

/** Whether a file is exactly as long as its header says: arrays, text, then the whole file's digest. */
function wholeFile(header: Header, arraysStart: number, size: number): boolean {
  return arraysStart + (header.count * 3 + header.rawCount * 2) * 4 + header.textBytes + header.rawTextBytes + DIGEST_BYTES === size;
}

/**
 * The source as its snapshot recorded it, or undefined when the file is missing or damaged.
 * Each typed array is read straight into its own buffer and the text into one more: no
 * buffer of the whole file to copy them out of. Each is hashed as it is read, and the whole
 * must match the digest at the end of the file.
 */
export function loadSnapshot(folder: string, ref: SnapshotRef, system: SystemId): SnapshotContent | undefined {
  return withSnapshotFile(folder, ref, ({ size, readAt, header, prefix }) => {
    if (!wholeFile(header, prefix.length, size) || header.system !== system) return undefined;
    const whole = createHash('sha256').update(prefix);
    let offset = prefix.length;
    const readHashed = <T extends Uint8Array>(target: T): T => {
      readAt(target, offset);
      whole.update(target);
      offset += target.length;
      return target;
    };
    const take = (count: number) => {
      const array = new Uint32Array(count);
      readHashed(new Uint8Array(array.buffer));
      return array;
    };
    const hashes = take(header.count);
    const keyEnds = take(header.count);
    const firstLines = take(header.count);
    const rawPositions = take(header.rawCount);
    const rawEnds = take(header.rawCount);
    const text = readHashed(Buffer.allocUnsafe(header.textBytes + header.rawTextBytes));
    const digest = Buffer.alloc(DIGEST_BYTES);
    readAt(digest, offset);
    if (!whole.digest().equals(digest)) return undefined;
    const index = KeyIndex.fromData({
      system: header.system,
      hashes,
      keyText: text.toString(header.textEncoding, 0, header.textBytes),
      keyEnds,
      rawPositions,
      rawText: text.toString(header.textEncoding, header.textBytes),
      rawEnds,
      firstLines,
      duplicates: header.duplicates,
      repeatedRows: header.repeatedRows,
      ...(header.locators ? { locators: header.locators } : {}),
    });
    // The keys digest is read by snapshotKeysDigest, where a changed file is checked; a source taken from its snapshot is not written again.
    return { index, rows: header.rows, badRows: header.badRows, ...(typeof header.contentId === 'string' ? { contentId: header.contentId } : {}) };
  });
}

export function removeSnapshots(folder: string, names: readonly string[]): void {
  for (const name of names) rmSync(path.join(folder, name), { force: true });
}

/**
 * Removes snapshot files no database row names any more, and only those KeySync wrote:
 * a name of its pattern and content starting with its magic bytes (any format version).
 * Anything else in the folder is left alone. Returns the files removed.
 */
export function removeUnreferencedSnapshots(folder: string, referenced: ReadonlySet<string>): string[] {
  if (!existsSync(folder)) return [];
  const removed: string[] = [];
  for (const name of readdirSync(folder)) {
    const ownName = SNAPSHOT_NAME.test(name) || SNAPSHOT_TEMP_NAME.test(name);
    if (!ownName || referenced.has(name)) continue;
    const file = path.join(folder, name);
    if (!startsWithSnapshotMagic(file)) continue;
    rmSync(file, { force: true });
    removed.push(file);
  }
  return removed;
}

function startsWithSnapshotMagic(file: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    if (!fstatSync(fd).isFile()) return false;
    const head = Buffer.alloc(MAGIC_PREFIX.length);
    return readSync(fd, head, 0, head.length, 0) === head.length && head.toString('latin1') === MAGIC_PREFIX;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export async function listSnapshots(db: Db): Promise<SnapshotRef[]> {
  const rows = await db.selectFrom('source_snapshots').selectAll().execute();
  return rows.map((row) => ({
    system: row.system,
    runId: row.run_id,
    file: row.file,
    fingerprint: row.fingerprint,
    keyCount: Number(row.key_count),
    snapshotFile: row.snapshot_file,
  }));
}

export async function saveSnapshotRefs(tx: Tx, refs: readonly SnapshotRef[]): Promise<void> {
  for (const ref of refs) {
    const row = {
      system: ref.system,
      run_id: ref.runId,
      file: ref.file,
      fingerprint: ref.fingerprint,
      key_count: ref.keyCount,
      snapshot_file: ref.snapshotFile,
    };
    await tx
      .insertInto('source_snapshots')
      .values(row)
      .onConflict((conflict) => conflict.column('system').doUpdateSet(row))
      .execute();
  }
}

function bytesOf(array: Uint32Array): Buffer {
  return Buffer.from(array.buffer, array.byteOffset, array.byteLength);
}

function align4(length: number): number {
  return Math.ceil(length / 4) * 4;
}
