import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { compileNormalizer, DEFAULT_NORMALIZE_RULES } from '../../src/core/normalize.js';
import type { Sighting } from '../../src/core/types.js';
import { KeySyncError } from '../../src/errors.js';
import { plainScanner, scanCsv, type CsvScanHandlers } from '../../src/sources/csv/csv-scan.js';
import type { CorruptDataPolicy } from '../../src/core/types.js';
import { csvReader } from '../../src/sources/csv/csv-type.js';
import { readSource } from '../../src/sources/read-source.js';
import type { RowSink } from '../../src/sources/source-type.js';
import type { SourceFile } from '../../src/sources/source-file.js';
import { useScratchDir } from '../helpers/workspace.js';

const normalize = compileNormalizer(DEFAULT_NORMALIZE_RULES);

interface Summary {
  keys: Array<[string, Sighting[]]>;
  rows: number;
  bad: Array<[number, string, string]>;
  repeated: number;
}

describe('readSource (docs/behaviour.md §2)', () => {
  const scratch = useScratchDir();
  let count = 0;

  function write(content: string | Buffer): string {
    const file = path.join(scratch(), `source-${++count}.csv`);
    writeFileSync(file, content);
    return file;
  }
  const sourceFor = (file: string, overrides: Partial<SourceFile> = {}): SourceFile => ({
    system: 'B',
    file,
    keyColumn: 'key',
    delimiter: ',',
    encoding: 'utf-8',
    ...overrides,
  });

  /** Reads the content; returns keys with sightings, row count, bad rows as [line, reason, action]. */
  async function read(content: string | Buffer, overrides: Partial<SourceFile> = {}, onCorruptData: CorruptDataPolicy = 'log'): Promise<Summary> {
    const result = await readSource(sourceFor(write(content), overrides), { normalize, onCorruptData });
    return {
      // In file order of each key's first row, whatever order the index keeps them in.
      keys: [...result.index.keys()].map((key): [string, Sighting[]] => [key, [...result.index.sightings(key)]]).sort((x, y) => (x[1][0]!.line as number) - (y[1][0]!.line as number)),
      rows: result.rows,
      bad: result.badRows.map((row) => [row.line as number, row.reason, row.action]),
      repeated: result.index.repeatedRows,
    };
  }
  async function readError(file: string, overrides: Partial<SourceFile> = {}, onCorruptData: CorruptDataPolicy = 'log'): Promise<KeySyncError> {
    try {
      await readSource(sourceFor(file, overrides), { normalize, onCorruptData });
    } catch (error) {
      assert.ok(error instanceof KeySyncError, `expected a KeySyncError, got ${String(error)}`);
      return error;
    }
    assert.fail('readSource did not throw');
  }
  const at = (raw: string, line: number): Sighting => ({ raw, line });

  describe('format', () => {
    it('a UTF-8 BOM does not hide the header (fix)', async () => {
      assert.deepStrictEqual((await read('\uFEFFkey,x\na,1\n')).keys, [['A', [at('a', 2)]]]);
      assert.deepStrictEqual((await read('\uFEFF"key",x\na,1\n')).keys, [['A', [at('a', 2)]]]);
    });

    it('read in chunks (the duckdb engine), a file larger than one chunk gives the rows of a whole read, no character broken where chunks meet', async () => {
      // 5 MB of keys with a two-byte character, so chunk edges fall inside characters and lines; a ragged row and a bare CR too.
      const lines = Array.from({ length: 700_000 }, (_, i) => (i === 350_000 ? `é${i.toString(36)},extra` : `é${i.toString(36)}`));
      const file = write(`key\r\n${lines.join('\r\n')}\n\n`);
      const scanned = async (chunked: boolean) => {
        const rows: unknown[] = [];
        const sink: RowSink = { row: (raw, line, irregular) => rows.push([raw, line, irregular]), unreadable: (line, reason) => rows.push([line, reason]) };
        await csvReader(sourceFor(file)).scan(sink, { chunked });
        return rows;
      };
      const whole = await scanned(false);
      assert.strictEqual(whole.length, lines.length);
      assert.deepStrictEqual(whole.at(-1), [lines.at(-1), lines.length + 1, undefined]);
      assert.deepStrictEqual(await scanned(true), whole);
    });

    it('tells the sink how many rows to expect before the first, reading whole or in chunks', async () => {
      const file = write(`key\n${Array.from({ length: 1000 }, (_, i) => `K${i}`).join('\n')}\n`);
      for (const chunked of [false, true]) {
        const calls: unknown[] = [];
        const sink: RowSink = { row: (raw) => calls.push(raw), unreadable: () => assert.fail('no bad row'), expectRows: (rows) => calls.push({ expected: rows }) };
        await csvReader(sourceFor(file)).scan(sink, { chunked });
        assert.deepStrictEqual(calls[0], { expected: 1001 });
        assert.equal(calls.length, 1001);
      }
    });

    it('reads CRLF and LF line ends mixed in one file, with the right lines and no stray CR', async () => {
      const summary = await read('id,key\r\n1,a\n2,b\r\n3,c');
      assert.deepStrictEqual(summary.keys, [['A', [at('a', 2)]], ['B', [at('b', 3)]], ['C', [at('c', 4)]]]);
    });

    it('RFC 4180 quoting: embedded newline (line = where the record starts), escaped quotes, commas', async () => {
      const summary = await read('id,key\n1,"multi\nline"\n2,"he said ""hi"""\n3,"a,b"\n4,plain\n');
      assert.deepStrictEqual(summary.keys, [
        ['MULTI-LINE', [at('multi\nline', 2)]],
        ['HE-SAID-HI', [at('he said "hi"', 4)]],
        ['AB', [at('a,b', 5)]],
        ['PLAIN', [at('plain', 6)]],
      ]);
      assert.deepStrictEqual(summary.bad, []);
    });

    it('matches key_column and the header fields with spaces around either trimmed', async () => {
      const expected = [['K-1', [at('k-1', 2)]]];
      assert.deepStrictEqual((await read('id, my key ,x\n1,k-1,y\n', { keyColumn: ' my key ' })).keys, expected);
      assert.deepStrictEqual((await read('id,my key,x\n1,k-1,y\n', { keyColumn: ' my key ' })).keys, expected);
      assert.deepStrictEqual((await read('id,  my key\n1,k-1\n', { keyColumn: 'my key' })).keys, expected);
    });

    it('keeps case exact, but a column that differs only in case is offered: did you mean', async () => {
      const file = write('ID,Key,x\n1,k-1,y\n');
      const error = await readError(file);
      assert.strictEqual(error.code, 'SOURCE_NO_KEY_COLUMN');
      assert.strictEqual(error.line, 1);
      assert.match(error.message, /has no "key" column .*; did you mean "Key"\?$/);
      assert.match(error.remedy!, /key_column: "Key"/);
      assert.doesNotMatch((await readError(write('id,name\n1,x\n'))).message, /did you mean/);
    });

    it('refuses a header with two key columns, naming both positions (SOURCE_DUPLICATE_KEY_COLUMN)', async () => {
      for (const header of ['key,name,key', 'key,name, key ']) {
        const file = write(`${header}\nK-1,x,K-2\n`);
        const error = await readError(file);
        assert.strictEqual(error.code, 'SOURCE_DUPLICATE_KEY_COLUMN');
        assert.strictEqual(error.file, file);
        assert.strictEqual(error.line, 1);
        assert.match(error.message, /2 "key" columns \(columns 1 and 3\)/);
      }
      const quoted = write('"key",n,"key"\n"K-1",x,K-2\n');
      assert.strictEqual((await readError(quoted)).code, 'SOURCE_DUPLICATE_KEY_COLUMN');
    });

    it('a file with quotes (the csv-parse path) refuses its header like any other, not as an unparseable row', async () => {
      const noKey = await readError(write('id,"name"\n1,"x"\n'));
      assert.strictEqual(noKey.code, 'SOURCE_NO_KEY_COLUMN');
      assert.strictEqual(noKey.line, 1);
      const badRow = await readError(write('key,"n"\n"K-1",x\n"K-2"\n'), {}, 'fail');
      assert.strictEqual(badRow.code, 'SOURCE_BAD_ROW');
      assert.strictEqual(badRow.line, 3);
      assert.strictEqual(badRow.message, 'Bad row in system B: ragged row (1 fields where the header has 2).');
    });

    it('finds the key column wherever it is and ignores the other columns', async () => {
      assert.deepStrictEqual((await read('id,name,key,extra\n1,x,k-1,y\n')).keys, [['K-1', [at('k-1', 2)]]]);
    });

    it('uses a custom delimiter ";" (a comma is then part of the key)', async () => {
      const summary = await read('id;key\n1;a,b\n2;c\n', { delimiter: ';' });
      assert.deepStrictEqual(summary.keys, [['AB', [at('a,b', 2)]], ['C', [at('c', 3)]]]);
    });

    it('reads latin1 bytes as latin1', async () => {
      const summary = await read(Buffer.from('key\ncafé-1\n', 'latin1'), { encoding: 'latin1' });
      assert.deepStrictEqual(summary.keys, [['CAFE-1', [at('café-1', 2)]]]);
    });

    it('reads utf-16le with and without a BOM', async () => {
      const body = Buffer.from('id,key\n1,ab\n2,cd\n', 'utf16le');
      const expected = [['AB', [at('ab', 2)]], ['CD', [at('cd', 3)]]];
      assert.deepStrictEqual((await read(Buffer.concat([Buffer.from([0xff, 0xfe]), body]), { encoding: 'utf-16le' })).keys, expected);
      assert.deepStrictEqual((await read(body, { encoding: 'utf-16le' })).keys, expected);
    });

    it('refuses a UTF-16 BOM in a file configured as utf-8 (SOURCE_ENCODING)', async () => {
      const file = write(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('key\nab\n', 'utf16le')]));
      const error = await readError(file);
      assert.strictEqual(error.code, 'SOURCE_ENCODING');
      assert.strictEqual(error.file, file);
      assert.strictEqual(error.line, 1);
    });

    it('refuses UTF-16 without a BOM configured as utf-8 or latin1, naming the fix (SOURCE_ENCODING)', async () => {
      const file = write(Buffer.from('key,name\nK-1,a\n', 'utf16le'));
      for (const encoding of ['utf-8', 'latin1'] as const) {
        const error = await readError(file, { encoding });
        assert.strictEqual(error.code, 'SOURCE_ENCODING');
        assert.strictEqual(error.file, file);
        assert.strictEqual(error.line, 1);
        assert.match(error.message, new RegExp(`UTF-16 little-endian text without a byte-order mark .* configured as ${encoding}`));
        assert.match(error.remedy!, /encoding: utf-16le/);
      }
      const bigEndian = write(Buffer.from('key\nK-1\n', 'utf16le').swap16());
      assert.match((await readError(bigEndian)).message, /UTF-16 big-endian/);
      assert.strictEqual((await readError(bigEndian, { encoding: 'utf-16le' })).code, 'SOURCE_ENCODING');
    });

    it('still reads 8-bit and UTF-8 files whose later rows hold NUL bytes (only the header is looked at)', async () => {
      const summary = await read('key\nK-1\nK\u0000-2\n');
      assert.deepStrictEqual(summary.keys, [['K-1', [at('K-1', 2)]]]);
      assert.deepStrictEqual(summary.bad, [[3, 'undecodable bytes', 'skipped']]);
    });

    it('does not count blank lines as rows, and they do not shift line numbers', async () => {
      const summary = await read('key\n\na\n\n\nb\n');
      assert.deepStrictEqual(summary.keys, [['A', [at('a', 3)]], ['B', [at('b', 6)]]]);
      assert.strictEqual(summary.rows, 2);
    });
  });

  describe('bad rows are counted and listed, never silently dropped', () => {
    it('invalid UTF-8 bytes in the key: bad row "undecodable bytes"', async () => {
      const bytes = Buffer.concat([Buffer.from('key\nok\nb'), Buffer.from([0xff, 0xfe, 0x41]), Buffer.from('\nc\n')]);
      const summary = await read(bytes);
      assert.deepStrictEqual(summary.bad, [[3, 'undecodable bytes', 'skipped']]);
      assert.deepStrictEqual(summary.keys, [['OK', [at('ok', 2)]], ['C', [at('c', 4)]]]);
      assert.strictEqual(summary.rows, 3);
    });

    it('a short row or a blank key: bad row "missing key"', async () => {
      const summary = await read('id,key,x\n1\n2,,x\n3,  ,x\n4,ok,x\n');
      assert.deepStrictEqual(summary.bad, [
        [2, 'missing key', 'skipped'],
        [3, 'missing key', 'skipped'],
        [4, 'missing key', 'skipped'],
      ]);
      assert.deepStrictEqual(summary.keys, [['OK', [at('ok', 5)]]]);
    });

    it('a key that normalises to "": bad row "empty after normalisation", never a key', async () => {
      const summary = await read('key\n!!!\n-_-\nok\n');
      assert.deepStrictEqual(summary.bad, [
        [2, 'empty after normalisation', 'skipped'],
        [3, 'empty after normalisation', 'skipped'],
      ]);
      assert.deepStrictEqual(summary.keys, [['OK', [at('ok', 4)]]]);
    });

    it('a ragged row is kept and listed under on_corrupt_data: log', async () => {
      const summary = await read('key,x\na,1,extra\nb,2\n', {}, 'log');
      assert.deepStrictEqual(summary.bad, [[2, 'ragged row', 'kept']]);
      assert.deepStrictEqual(summary.keys, [['A', [at('a', 2)]], ['B', [at('b', 3)]]]);
    });

    it('a ragged row is skipped and listed under on_corrupt_data: skip', async () => {
      const summary = await read('key,x\na,1,extra\nb,2\n', {}, 'skip');
      assert.deepStrictEqual(summary.bad, [[2, 'ragged row', 'skipped']]);
      assert.deepStrictEqual(summary.keys, [['B', [at('b', 3)]]]);
    });

    it('on_corrupt_data: fail throws SOURCE_BAD_ROW with the file and line', async () => {
      const file = write('key,x\na,1\n,2\n');
      const error = await readError(file, {}, 'fail');
      assert.strictEqual(error.code, 'SOURCE_BAD_ROW');
      assert.strictEqual(error.file, file);
      assert.strictEqual(error.line, 3);
      assert.match(error.message, /missing key/);
    });

    it('an unterminated quote: one "unparseable row", and reading resumes on the next line', async () => {
      const summary = await read('key,x\na,1\n"b,2\nc,3\nd,4\n');
      assert.deepStrictEqual(summary.bad, [[3, 'unparseable row', 'skipped']]);
      assert.deepStrictEqual(summary.keys, [['A', [at('a', 2)]], ['C', [at('c', 4)]], ['D', [at('d', 5)]]]);
      assert.strictEqual(summary.rows, 4);
    });

    it('counts exact repeats in index.repeatedRows, keeping distinct raw forms as sightings', async () => {
      const summary = await read('key\na\na\nA\nb\na\n');
      assert.strictEqual(summary.repeated, 2);
      assert.deepStrictEqual(summary.keys, [['A', [at('a', 2), at('A', 4)]], ['B', [at('b', 5)]]]);
      assert.strictEqual(summary.rows, 5);
    });
  });

  describe('unusable sources throw a SOURCE_* error', () => {
    it('a missing file: SOURCE_MISSING', async () => {
      const file = path.join(scratch(), 'does-not-exist.csv');
      const error = await readError(file);
      assert.deepStrictEqual([error.code, error.file], ['SOURCE_MISSING', file]);
    });

    it('a directory: SOURCE_NOT_A_FILE', async () => {
      const folder = path.join(scratch(), 'a-folder.csv');
      mkdirSync(folder);
      const error = await readError(folder);
      assert.deepStrictEqual([error.code, error.file], ['SOURCE_NOT_A_FILE', folder]);
    });

    it('an empty file, or one of blank lines only: SOURCE_EMPTY', async () => {
      assert.strictEqual((await readError(write(''))).code, 'SOURCE_EMPTY');
      assert.strictEqual((await readError(write('\n\n\r\n'))).code, 'SOURCE_EMPTY');
    });

    it('a header without the key column: SOURCE_NO_KEY_COLUMN at line 1', async () => {
      const file = write('id,name\n1,2\n');
      const error = await readError(file);
      assert.deepStrictEqual([error.code, error.file, error.line], ['SOURCE_NO_KEY_COLUMN', file, 1]);
      assert.match(error.message, /"key"/);
    });
  });

  describe('CSV quoting mixed with CRLF and LF line ends (docs/behaviour.md §2)', () => {
    it('reads every row of a quoted file whose line ends are CRLF then LF', async () => {
      const summary = await read('"key",x\r\na,1\nb,2\r\nc,3\r\n');
      assert.deepStrictEqual(summary.keys, [['A', [at('a', 2)]], ['B', [at('b', 3)]], ['C', [at('c', 4)]]]);
      assert.deepStrictEqual(summary.bad, []);
    });

    it('keeps line numbers and raw keys right when an LF quoted file has CRLF lines', async () => {
      const summary = await read('id,"key"\n1,a\r\n2,b\n\r\n3,a\n');
      assert.deepStrictEqual(summary.keys, [['A', [at('a', 2)]], ['B', [at('b', 3)]]]);
      assert.deepStrictEqual(summary.bad, []);
      assert.strictEqual(summary.repeated, 1);
    });

    it('gives the start line of a record whose quoted field holds a CRLF', async () => {
      const summary = await read('key,x\r\n"a\r\nz",1\r\nb,2\r\n');
      assert.deepStrictEqual(summary.keys, [['A-Z', [at('a\r\nz', 2)]], ['B', [at('b', 4)]]]);
    });
  });
});

describe('scanCsv: plain fast path vs csv-parse path (docs/behaviour.md §2, property)', () => {
  interface Event {
    kind: 'header' | 'row' | 'bad';
    key?: string | undefined;
    fields: number;
    line: number;
  }
  function recorder(events: Event[]): CsvScanHandlers {
    return {
      header(fields, line) {
        events.push({ kind: 'header', fields: fields.length, line });
        return fields.indexOf('key');
      },
      row(key, fields, line) {
        events.push({ kind: 'row', key, fields, line });
      },
      unparseable(line) {
        events.push({ kind: 'bad', fields: 0, line });
      },
    };
  }
  function scan(text: string): Event[] {
    const events: Event[] = [];
    scanCsv(text, ',', recorder(events));
    return events;
  }
  /** The plain path fed in pieces cut at `cuts` (a file read in chunks). */
  function scanInPieces(text: string, cuts: readonly number[]): Event[] {
    const events: Event[] = [];
    const scanner = plainScanner(',', recorder(events));
    let from = 0;
    for (const cut of [...cuts].sort((x, y) => x - y)) {
      scanner.push(text.slice(from, Math.max(from, cut)));
      from = Math.max(from, cut);
    }
    scanner.push(text.slice(from));
    scanner.end();
    return events;
  }
  const field = fc.string({ unit: fc.constantFrom('a', 'B', '7', ' ', '-', '_', ';', '#', '\t'), maxLength: 6 });
  const rows = fc.array(fc.array(field, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 12 });
  const text = (body: readonly (readonly string[])[], ends: readonly string[], quotedHeader: boolean) =>
    [quotedHeader ? 'id,"key",x' : 'id,key,x', ...body.map((cells) => cells.join(','))]
      .map((line, i) => line + ends[i % ends.length])
      .join('');

  it('gives the same keys, field counts and lines with uniform LF or CRLF line ends', () => {
    fc.assert(
      fc.property(rows, fc.constantFrom('\n', '\r\n'), (body, end) => {
        const plain = scan(text(body, [end], false));
        const quoted = scan(text(body, [end], true));
        assert.deepStrictEqual(quoted, plain);
        assert.strictEqual(plain.filter((event) => event.kind === 'row').length, body.filter((cells) => cells.join(',') !== '').length);
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same records when the plain path is fed in pieces cut anywhere, even inside a CRLF', () => {
    const ends = fc.array(fc.constantFrom('\n', '\r\n'), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(rows, ends, fc.array(fc.nat({ max: 200 }), { maxLength: 8 }), fc.boolean(), (body, lineEnds, cuts, lastEnd) => {
        const whole = text(body, lineEnds, false);
        const file = lastEnd ? whole : whole.replace(/\r?\n$/, '');
        assert.deepStrictEqual(scanInPieces(file, cuts), scan(file));
      }),
      { numRuns: 500 },
    );
  });

  it('gives the same keys, field counts and lines with mixed LF and CRLF line ends', () => {
    const ends = fc.array(fc.constantFrom('\n', '\r\n'), { minLength: 1, maxLength: 5 });
    fc.assert(
      fc.property(rows, ends, (body, lineEnds) => {
        assert.deepStrictEqual(scan(text(body, lineEnds, true)), scan(text(body, lineEnds, false)));
      }),
      { numRuns: 500 },
    );
  });
});
