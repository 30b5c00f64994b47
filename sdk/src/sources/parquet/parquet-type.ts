/**
 * The `parquet` source type (docs/behaviour.md §2): a Parquet file read by hyparquet, pure
 * JavaScript, so it also reads inside the editor. Only the key column is read, one row group
 * at a time. The locator is the 1-based row number; the fingerprint the file's, as for a CSV.
 * Keys in non-text columns become text: integers as decimal digits, decimals and floats as
 * JavaScript prints the number, dates as ISO 8601 (`2024-05-01`, timestamps with time and `Z`).
 * A nested column (list, map, struct) or a boolean one cannot hold a key and is refused.
 */
import path from 'node:path';
import type { SourceConfigOf } from '../../config/schema.js';
import { KeySyncError, throwIfAborted } from '../../errors.js';
import { statFingerprint } from '../file-fingerprint.js';
import { assertRegularFile } from '../read-file.js';
import type { RowLocator, RowSink, ScanOptions, SourceReader, SourceType } from '../source-type.js';
import { keyColumnProblem, parquetText, type KeyColumnShape } from './parquet-values.js';

export type ParquetSourceConfig = SourceConfigOf<'parquet'>;

export const parquetSourceType: SourceType<ParquetSourceConfig> = {
  type: 'parquet',
  open(system, config, context) {
    return new ParquetReader(system, config, path.resolve(context.configDir, config.path));
  },
};

type Hyparquet = typeof import('hyparquet');
type FileMetaData = Awaited<ReturnType<Hyparquet['parquetMetadataAsync']>>;
type AsyncBuffer = Parameters<Hyparquet['parquetMetadataAsync']>[0];

class ParquetReader implements SourceReader {
  readonly location: string;

  constructor(
    readonly system: string,
    private readonly config: ParquetSourceConfig,
    readonly file: string,
  ) {
    this.location = `parquet:${file}`;
  }

  fingerprint(): Promise<string | undefined> {
    return statFingerprint(this.file);
  }

  async scan(sink: RowSink, options: ScanOptions = {}): Promise<void> {
    const { hyparquet, compressors, buffer, metadata } = await this.openFile();
    const column = this.keyColumn(hyparquet, metadata);
    let groupStart = 0;
    for (const group of metadata.row_groups) {
      throwIfAborted(options.signal);
      const groupEnd = groupStart + Number(group.num_rows);
      const values = await this.parquet(() =>
        hyparquet.parquetReadObjects({ file: buffer, metadata, columns: [column.name], rowStart: groupStart, rowEnd: groupEnd, compressors }),
      );
      for (const [offset, row] of values.entries()) {
        const value = (row as Record<string, unknown>)[column.name];
        sink.row(value === null || value === undefined ? null : parquetText(value, column), groupStart + offset + 1);
      }
      groupStart = groupEnd;
    }
  }

  async showRow(locator: RowLocator): Promise<ReadonlyMap<string, string | null> | undefined> {
    if (typeof locator !== 'number' || !Number.isInteger(locator) || locator < 1) return undefined;
    const { hyparquet, compressors, buffer, metadata } = await this.openFile();
    if (locator > Number(metadata.num_rows)) return undefined;
    const [row] = await this.parquet(() => hyparquet.parquetReadObjects({ file: buffer, metadata, rowStart: locator - 1, rowEnd: locator, compressors }));
    if (!row) return undefined;
    return new Map(Object.entries(row as Record<string, unknown>).map(([name, value]) => [name, value === null || value === undefined ? null : parquetText(value)]));
  }

  private async openFile(): Promise<{ hyparquet: Hyparquet; compressors: object; buffer: AsyncBuffer; metadata: FileMetaData }> {
    await assertRegularFile(this.file, 'Parquet file');
    // Loaded on first use: a workspace without Parquet sources never loads the reader.
    const [hyparquet, { compressors }] = await Promise.all([import('hyparquet'), import('hyparquet-compressors')]);
    const buffer = await hyparquet.asyncBufferFromFile(this.file);
    const metadata = await this.parquet(() => hyparquet.parquetMetadataAsync(buffer));
    return { hyparquet, compressors, buffer, metadata };
  }

  /** The key column's shape, or the error saying why it cannot hold keys. */
  private keyColumn(hyparquet: Hyparquet, metadata: FileMetaData): KeyColumnShape {
    const wanted = this.config.key_column.trim();
    const columns = hyparquet.parquetSchema(metadata).children;
    const found = columns.find((child) => child.element.name === wanted);
    if (!found) {
      const names = columns.map((child) => child.element.name);
      const otherCase = names.find((name) => name.toLowerCase() === wanted.toLowerCase());
      throw new KeySyncError('SOURCE_NO_KEY_COLUMN', 'input', `The Parquet file has no "${wanted}" column (found ${names.slice(0, 8).map((name) => JSON.stringify(name)).join(', ')}${names.length > 8 ? ', …' : ''}).`, {
        file: this.location,
        remedy: otherCase !== undefined ? `column names match case exactly: set key_column: "${otherCase}" for source ${this.system}` : `set key_column for source ${this.system} to one of its columns`,
      });
    }
    const shape: KeyColumnShape = { name: wanted, nested: found.children.length > 0, type: found.element.type, convertedType: found.element.converted_type, logicalType: found.element.logical_type?.type };
    const problem = keyColumnProblem(shape);
    if (problem) {
      throw new KeySyncError('SOURCE_KEY_COLUMN_TYPE', 'input', `The key column "${wanted}" of system ${this.system} is ${problem}, which cannot hold a key.`, {
        file: this.location,
        remedy: `set key_column for source ${this.system} to a column of text or numbers`,
      });
    }
    return shape;
  }

  /** A hyparquet call, its failures (a truncated or corrupt file) as SOURCE_NOT_PARQUET. */
  private async parquet<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof KeySyncError) throw error;
      throw new KeySyncError('SOURCE_NOT_PARQUET', 'input', `The file of system ${this.system} is not a readable Parquet file (${(error as Error)?.message ?? String(error)}).`, {
        file: this.location,
        cause: error,
        remedy: `point sources.${this.system}.path at a Parquet file, or write it again (it may be truncated or corrupt)`,
      });
    }
  }
}
