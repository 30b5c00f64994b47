/**
 * The `csv` source type: a delimited text file with a header row. Its locator is the 1-based
 * line a row starts on; its fingerprint the file's size, mtime and inode.
 */
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { SourceConfigOf } from '../../config/schema.js';
import type { KeysDigest } from '../../core/types.js';
import { KeySyncError } from '../../errors.js';
import { statFingerprint } from '../file-fingerprint.js';
import { withRegularFile } from '../read-file.js';
import type { SourceFile } from '../source-file.js';
import type { RowSink, ScanOptions, SourceReader, SourceType } from '../source-type.js';
import { plainScanner, scanCsv, type CsvScanHandlers } from './csv-scan.js';
import { chunkDecoder, decodeSource } from './decode.js';
import { digestingHandlers, KeysDigestBuilder, KeysDigestMismatch } from './keys-digest.js';
import { estimateRows } from './row-estimate.js';

export type CsvSourceConfig = SourceConfigOf<'csv'>;

export const csvSourceType: SourceType<CsvSourceConfig> = {
  type: 'csv',
  open(system, config, context) {
    return csvReader({
      system,
      file: path.resolve(context.configDir, config.path),
      keyColumn: config.key_column,
      delimiter: config.delimiter,
      encoding: config.encoding,
    });
  },
};

/** A reader for a CSV file already resolved (read workers get the file, not the config). */
export function csvReader(source: SourceFile): SourceReader & { readonly file: string } {
  return {
    system: source.system,
    location: source.file,
    file: source.file,
    fingerprint: async () => statFingerprint(source.file),
    scan: async (sink, options) => scanFile(source, sink, options),
    keysDigestMatches: async (expected) => keysDigestMatches(source, expected),
    showRow: async () => undefined,
  };
}

/** Bytes read at a time when a file is scanned in chunks: its memory, whatever the file's size. */
const CHUNK_BYTES = 4 * 1024 * 1024;
const QUOTE = 0x22;

/**
 * Asked for chunks (ScanOptions.chunked), a file without a quote character in an 8-bit or
 * UTF-8 encoding (a byte 0x22 is a quote in both, never part of another character) is scanned
 * chunk by chunk, so reading holds one chunk, not the file; any other file is decoded whole
 * for csv-parse. Both give the same records (csv-scan.ts); the check costs one more pass over
 * the file's bytes.
 */
async function scanFile(source: SourceFile, sink: RowSink, options: ScanOptions = {}, digest = options.onKeysDigest && new KeysDigestBuilder()): Promise<void> {
  let sawHeader = false;
  let headerLength = 0;
  const read: CsvScanHandlers = {
    header(fields, line) {
      sawHeader = true;
      headerLength = fields.length;
      return keyColumnIndex(source, fields, line);
    },
    row(raw, fieldCount, line) {
      if (raw === undefined) sink.unreadable(line, 'missing key', `only ${fieldCount} of ${headerLength} fields`);
      else sink.row(raw, line, fieldCount === headerLength ? undefined : `${fieldCount} fields where the header has ${headerLength}`);
    },
    unparseable(line, message) {
      sink.unreadable(line, 'unparseable row', message);
    },
  };
  // Taken of the very records read, so it can never describe another version of the file.
  const handlers = digest ? digestingHandlers(read, digest) : read;
  await withRegularFile(source.file, 'CSV file', async (handle, stats) => {
    if (stats.size === 0) {
      throw new KeySyncError('SOURCE_EMPTY', 'input', `The file for system ${source.system} is empty (no header, no rows).`, {
        file: source.file,
        remedy: `check the export that writes it; it needs a header with a "${source.keyColumn}" column`,
      });
    }
    const { encoding } = source;
    if (options.chunked !== true || encoding === 'utf-16le' || (await hasQuote(handle))) {
      scanCsv(decodeSource(await readWhole(handle, stats.size, sink), encoding, source.file), source.delimiter, handlers);
      return;
    }
    const decode = chunkDecoder(encoding, source.file);
    const scanner = plainScanner(source.delimiter, handlers);
    let first = true;
    await forEachChunk(handle, (bytes, last) => {
      if (first) sink.expectRows?.(estimateRows(bytes, stats.size));
      first = false;
      scanner.push(decode(bytes, last));
    });
    scanner.end();
  });
  if (!sawHeader) {
    throw new KeySyncError('SOURCE_EMPTY', 'input', `The file for system ${source.system} has only blank lines.`, {
      file: source.file,
      remedy: `it needs a header with a "${source.keyColumn}" column`,
    });
  }
  options.onKeysDigest?.(digest!.result());
}

/** The file's bytes, the rows they hold estimated to the sink (a function of its own, so that nothing holds the bytes past decoding). */
async function readWhole(handle: FileHandle, size: number, sink: RowSink): Promise<Buffer> {
  const bytes = await handle.readFile();
  sink.expectRows?.(estimateRows(bytes, size));
  return bytes;
}

/**
 * Whether the file's keys digest is `expected` (SourceReader.keysDigestMatches): the scan a
 * read makes, in chunks where the file allows (both paths give the same records, so the same
 * digest), into a sink that keeps nothing, stopped at the first checkpoint that differs. A file
 * the read would refuse throws as the read does.
 */
async function keysDigestMatches(source: SourceFile, expected: KeysDigest): Promise<boolean> {
  const digest = new KeysDigestBuilder(expected);
  const keepNothing: RowSink = { row: () => undefined, unreadable: () => undefined };
  try {
    await scanFile(source, keepNothing, { chunked: true }, digest);
  } catch (error) {
    if (error instanceof KeysDigestMismatch) return false;
    throw error;
  }
  return digest.result()?.digest === expected.digest;
}

async function hasQuote(handle: FileHandle): Promise<boolean> {
  let found = false;
  await forEachChunk(handle, (bytes) => {
    found ||= bytes.includes(QUOTE);
  });
  return found;
}

/** The file from its start, CHUNK_BYTES at a time; `last` on the final (possibly empty) chunk. */
async function forEachChunk(handle: FileHandle, use: (bytes: Buffer, last: boolean) => void): Promise<void> {
  const buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(buffer, 0, CHUNK_BYTES, position);
    position += bytesRead;
    use(buffer.subarray(0, bytesRead), bytesRead === 0);
    if (bytesRead === 0) return;
  }
}

/**
 * The one header field that names the key column. Spaces around either name do not count
 * (exports pad headers; so do configs); case does, as two columns may differ only by it.
 */
function keyColumnIndex(source: SourceFile, fields: readonly string[], line: number): number {
  const wanted = source.keyColumn.trim();
  const matches = fields.flatMap((field, index) => (field.trim() === wanted ? [index] : []));
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw noKeyColumn(source, fields, line);
  throw new KeySyncError(
    'SOURCE_DUPLICATE_KEY_COLUMN',
    'input',
    `The header has ${matches.length} "${wanted}" columns (columns ${matches.map((index) => index + 1).join(' and ')}), so which holds the key is ambiguous.`,
    {
      file: source.file,
      line,
      remedy: `rename the extra column in the export, or set key_column for source ${source.system} to a column named once`,
    },
  );
}

function noKeyColumn(source: SourceFile, fields: readonly string[], line: number): KeySyncError {
  const wanted = source.keyColumn.trim();
  const shown = fields.slice(0, 8).map((field) => JSON.stringify(field)).join(', ');
  const otherCase = fields.find((field) => field.trim().toLowerCase() === wanted.toLowerCase())?.trim();
  return new KeySyncError(
    'SOURCE_NO_KEY_COLUMN',
    'input',
    `The header has no "${wanted}" column (found ${shown}${fields.length > 8 ? ', …' : ''})${otherCase === undefined ? '' : `; did you mean "${otherCase}"?`}`,
    {
      file: source.file,
      line,
      remedy: fields.some((field) => field.includes('\r'))
        ? 'the file ends its lines with CR alone (old Mac style): convert them to LF or CRLF'
        : otherCase !== undefined
          ? `column names match case exactly: set key_column: "${otherCase}" for source ${source.system} in keysync-config.yaml`
          : `add a header row, or set key_column for source ${source.system} in keysync-config.yaml`,
    },
  );
}
