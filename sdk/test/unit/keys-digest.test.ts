import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import sinon from 'sinon';
import { compileNormalizer, DEFAULT_NORMALIZE_RULES } from '../../src/core/normalize.js';
import { csvReader } from '../../src/sources/csv/csv-type.js';
import { CHECKPOINT_RECORDS, KeysDigestBuilder } from '../../src/sources/csv/keys-digest.js';
import { readSource, type SourceRead } from '../../src/sources/read-source.js';
import type { SourceFile } from '../../src/sources/source-file.js';
import { useScratchDir } from '../helpers/workspace.js';

const normalize = compileNormalizer(DEFAULT_NORMALIZE_RULES);

/** Everything a read yields, in a form assert can compare (the index through its keys and sightings; bad rows without the file, as the tests read two). */
function readContent(read: SourceRead): unknown {
  return {
    keys: [...read.index.keys()].sort().map((key) => [key, [...read.index.sightings(key)]]),
    rows: read.rows,
    badRows: read.badRows.map(({ file: _file, ...row }) => row),
    repeated: read.index.repeatedRows,
  };
}

/** How the randomised test changes one line. */
type Edit = { kind: 'same' } | { kind: 'others'; values: string[] } | { kind: 'key'; key: string } | { kind: 'line'; fields: string[] };

describe('CSV keys digest (docs/decisions.md §22)', () => {
  const scratch = useScratchDir();
  let count = 0;
  const sourceFor = (content: string | Buffer, overrides: Partial<SourceFile> = {}): SourceFile => {
    const file = path.join(scratch(), `source-${++count}.csv`);
    writeFileSync(file, content);
    return { system: 'B', file, keyColumn: 'key', delimiter: ',', encoding: 'utf-8', ...overrides };
  };
  /** The keys digest a read takes of the content. */
  const digestOf = async (content: string | Buffer, overrides: Partial<SourceFile> = {}) =>
    (await readSource(sourceFor(content, overrides), { normalize, onCorruptData: 'log', keysDigest: true })).keysDigest?.digest;
  /** Whether a file of the content has the keys digest a read took of `expected`, by the check an incremental run makes. */
  const matches = async (content: string | Buffer, expected: string | Buffer, overrides: Partial<SourceFile> = {}) => {
    const read = await readSource(sourceFor(expected, overrides), { normalize, onCorruptData: 'log', keysDigest: true });
    return csvReader(sourceFor(content, overrides)).keysDigestMatches!(read.keysDigest!);
  };

  it('is the same when only other columns change, and the reads are then equal', async () => {
    const before = 'id,key,when\n1,K-1,2026-01-01\n2,K-2,2026-01-02\n\n3,K-1,x\n';
    const after = 'id,key,when\n9,K-1,2027-12-31\n8,K-2,changed\n\n7,K-1,\n';
    assert.equal(await digestOf(after), await digestOf(before));
    const [a, b] = await Promise.all([readSource(sourceFor(before), { normalize, onCorruptData: 'log' }), readSource(sourceFor(after), { normalize, onCorruptData: 'log' })]);
    assert.deepEqual(readContent(b), readContent(a));
  });

  it('differs when anything reading depends on changes', async () => {
    const base = 'key,when\nK-1,a\nK-2,b\n';
    const digest = await digestOf(base);
    assert.ok(digest);
    const changes: Record<string, string> = {
      'a key': 'key,when\nK-1,a\nK-3,b\n',
      'a key with a space': 'key,when\nK-1,a\nK-2 ,b\n',
      'the field count (a ragged row)': 'key,when\nK-1,a,extra\nK-2,b\n',
      'a blank line (line numbers move)': 'key,when\n\nK-1,a\nK-2,b\n',
      'the order of rows': 'key,when\nK-2,b\nK-1,a\n',
      'a row added': 'key,when\nK-1,a\nK-2,b\nK-3,c\n',
      'a row removed': 'key,when\nK-1,a\n',
      'the header': 'key,whenever\nK-1,a\nK-2,b\n',
      'a row without its key field': 'when,key\nK-1,a\nK-2\n',
    };
    for (const [what, content] of Object.entries(changes)) assert.notEqual(await digestOf(content), digest, what);
  });

  it('is taken of the records the read scanned, and the read passes it on', async () => {
    const content = 'key,when\nK-1,a\nK-2,b\n';
    const read = await readSource(sourceFor(content), { normalize, onCorruptData: 'log', keysDigest: true });
    assert.ok(read.keysDigest);
    assert.equal(await csvReader(sourceFor(content)).keysDigestMatches!(read.keysDigest), true);
    assert.equal(await matches('key,when\nK-1,a\nK-2,c\n', content), true);
    assert.equal(await matches('key,when\nK-1,a\nK-3,b\n', content), false);
    const unasked = await readSource(sourceFor(content), { normalize, onCorruptData: 'log' });
    assert.equal(unasked.keysDigest, undefined, 'taken only when asked for (a snapshot is written)');
  });

  it('is the same whether the file is scanned whole (a read) or in chunks (the check)', async () => {
    // Past one 4 MB chunk, with two-byte characters and CRLF lines across the cuts.
    const lines = Array.from({ length: 200_000 }, (_, i) => `KÉY-${i},${'é'.repeat(i % 7)},x\r`);
    const content = `key,other,third\r\n${lines.join('\n')}\n`;
    assert.ok(Buffer.byteLength(content) > 4 * 2 ** 20);
    const source = sourceFor(content);
    const read = await readSource(source, { normalize, onCorruptData: 'log', keysDigest: true });
    assert.ok(read.keysDigest);
    assert.equal(await csvReader(source).keysDigestMatches!(read.keysDigest), true);
  });

  it('stops a check at the first checkpoint that differs, and still compares the whole digest', async function () {
    this.timeout(60_000);
    const rows = (count: number, changedAt = -1) => Array.from({ length: count }, (_, i) => `K-${i === changedAt ? 'NEW' : i},x`);
    const file = (lines: readonly string[]) => `key,other\n${lines.join('\n')}\n`;
    const size = 2 * CHECKPOINT_RECORDS + 10;
    const base = file(rows(size));
    const read = await readSource(sourceFor(base), { normalize, onCorruptData: 'log', keysDigest: true });
    assert.equal(read.keysDigest!.checkpoints.length, 2);
    const check = (content: string) => csvReader(sourceFor(content)).keysDigestMatches!(read.keysDigest!);
    const taken = sinon.spy(KeysDigestBuilder.prototype, 'row');
    try {
      assert.equal(await check(file(rows(size, 3))), false);
      assert.equal(taken.callCount, CHECKPOINT_RECORDS, 'a change among the first records: stopped at the first checkpoint');
      taken.resetHistory();
      assert.equal(await check(file(rows(size, size - 5))), false, 'a change after the last checkpoint');
      assert.equal(taken.callCount, size);
    } finally {
      taken.restore();
    }
    assert.equal(await check(file(rows(size + 1))), false, 'one record more');
    assert.equal(await check(file(rows(3 * CHECKPOINT_RECORDS))), false, 'more checkpoints than the snapshot has');
    assert.equal(await check(base.replaceAll(',x', ',y')), true, 'other columns changed');
  });

  it('covers quoted files and UTF-16 too, and refuses what the read refuses', async () => {
    assert.equal(await digestOf('key,when\n"K-1","a,b"\n'), await digestOf('key,when\n"K-1","other\nlines"\n'));
    assert.notEqual(await digestOf('key,when\n"K-1",a\n'), await digestOf('key,when\n"K-1 ",a\n'));
    assert.equal(await matches('key,when\n"K-1","a,b"\n', 'key,when\n"K-1","other\nlines"\n'), true);
    const utf16 = (text: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    assert.equal(await digestOf(utf16('key,when\nK-1,a\n'), { encoding: 'utf-16le' }), await digestOf(utf16('key,when\nK-1,b\n'), { encoding: 'utf-16le' }));
    assert.equal(await matches(utf16('key,when\nK-1,a\n'), utf16('key,when\nK-1,b\n'), { encoding: 'utf-16le' }), true);
    const expected = (await readSource(sourceFor('key,when\nK-1,a\n'), { normalize, onCorruptData: 'log', keysDigest: true })).keysDigest!;
    const check = (content: string) => csvReader(sourceFor(content)).keysDigestMatches!(expected);
    await assert.rejects(check(''), /is empty/);
    await assert.rejects(check('\n\n'), /only blank lines/);
    await assert.rejects(check('id,when\nK-1,a\n'), /no "key" column/);
  });

  it('reads with a BOM, CRLF lines, a Latin-1 file and another delimiter', async () => {
    assert.ok(await digestOf('\ufeffkey,when\r\nK-1,a\r\n'));
    assert.equal(await digestOf('\ufeffkey,when\r\nK-1,a\r\n'), await digestOf('\ufeffkey,when\r\nK-1,b\r\n'));
    assert.equal(await digestOf('\ufeffkey,when\r\nK-1,a\r\n'), await digestOf('key,when\nK-1,a\n'), 'a UTF-8 BOM and line ends are not read');
    const latin1 = (text: string) => Buffer.from(text, 'latin1');
    assert.equal(await digestOf(latin1('key;when\nCAFÉ-1;a\n'), { encoding: 'latin1', delimiter: ';' }), await digestOf(latin1('key;when\nCAFÉ-1;zz\n'), { encoding: 'latin1', delimiter: ';' }));
    assert.notEqual(await digestOf(latin1('key;when\nCAFÉ-1;a\n'), { encoding: 'latin1', delimiter: ';' }), await digestOf(latin1('key;when\nCAFE-1;a\n'), { encoding: 'latin1', delimiter: ';' }));
  });

  it('never equal for two files that read differently (randomised)', async function () {
    this.timeout(120_000);
    // Characters that move fields and lines (a comma, a quote, line ends), make a key invalid
    // (U+FFFD) or blank (a space), in keys and other fields alike.
    const text = fc.string({ unit: fc.constantFrom('A', 'b', '1', '-', ' ', 'é', ',', '"', '\r', '\n', '\uFFFD', '0'), maxLength: 4 });
    const line = fc.array(text, { minLength: 0, maxLength: 4 });
    // Each line of the second file: the first's, with its other fields changed, with its key changed, or another line.
    const edit: fc.Arbitrary<Edit> = fc.oneof(
      fc.constant({ kind: 'same' as const }),
      fc.record({ kind: fc.constant('others' as const), values: fc.array(text, { maxLength: 3 }) }),
      fc.record({ kind: fc.constant('key' as const), key: text }),
      fc.record({ kind: fc.constant('line' as const), fields: line }),
    );
    const edited = (fields: readonly string[], change: Edit): readonly string[] => {
      if (change.kind === 'others') return [fields[0] ?? '', ...change.values];
      if (change.kind === 'key') return [change.key, ...fields.slice(1)];
      if (change.kind === 'line') return change.fields;
      return fields;
    };
    const csv = (lines: readonly (readonly string[])[], badByte: boolean) => {
      const content = `key,other\n${lines.map((fields) => fields.join(',')).join('\n')}`;
      return badByte ? Buffer.concat([Buffer.from(content), Buffer.from([0xc3])]) : content;
    };
    let equalDigests = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(line, edit), { maxLength: 8 }), fc.boolean(), async (lines, badByte) => {
        const a = csv(lines.map(([fields]) => fields), badByte);
        const b = csv(lines.map(([fields, change]) => edited(fields, change)), badByte);
        const fileB = sourceFor(b);
        const [readA, readB] = await Promise.all([
          readSource(sourceFor(a), { normalize, onCorruptData: 'log', keysDigest: true }),
          readSource(fileB, { normalize, onCorruptData: 'log', keysDigest: true }),
        ]);
        const same = readA.keysDigest!.digest === readB.keysDigest!.digest;
        // The check an incremental run makes agrees with the digests a read takes.
        assert.equal(await csvReader(fileB).keysDigestMatches!(readA.keysDigest!), same);
        if (!same) return;
        equalDigests++;
        assert.deepEqual(readContent(readB), readContent(readA));
      }),
      { numRuns: 400 },
    );
    // The implication was tested, not only its premise missed.
    assert.ok(equalDigests >= 50, `only ${equalDigests} pairs had equal digests`);
  });

  it('equal whenever only fields other than the key change (randomised)', async function () {
    this.timeout(120_000);
    const value = fc.string({ unit: fc.constantFrom('A', '7', '-', ' ', 'ü'), maxLength: 5 });
    const row = fc.tuple(value, value, value);
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 10 }), fc.array(fc.tuple(value, value), { minLength: 10, maxLength: 10 }), async (rows, others) => {
        const before = `a,key,b\n${rows.map(([a, key, b]) => `${a},${key},${b}`).join('\n')}\n`;
        const after = `a,key,b\n${rows.map(([, key], i) => `${others[i]![0]},${key},${others[i]![1]}`).join('\n')}\n`;
        assert.equal(await digestOf(after), await digestOf(before));
      }),
      { numRuns: 100 },
    );
  });
});
