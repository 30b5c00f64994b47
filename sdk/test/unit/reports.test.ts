import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { KeySyncError } from '../../src/errors.js';
import { writeFileAtomically } from '../../src/io/atomic-file.js';
import { csvCell, csvLines, guardFormula, unguardFormula } from '../../src/reports/csv-cell.js';
import { REPORT_NAMES } from '../../src/reports/report-rows.js';
import { claimFileName, claimReportStamp, parseReportFileName, removeRunReports, reportFileName } from '../../src/reports/report-stamp.js';
import { useScratchDir } from '../helpers/workspace.js';

describe('guardFormula / csvCell (docs/behaviour.md §6: csv_injection_guard, RFC 4180)', () => {
  describe('formula guard (OWASP)', () => {
    const guarded: ReadonlyArray<readonly [string, string]> = [
      ['=1+1', "'=1+1"],
      ['=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'],
      ['+A1', "'+A1"],
      ['-A-B', "'-A-B"],
      ['-', "'-"],
      ['@SUM(A1)', "'@SUM(A1)"],
      ['\tx', "'\tx"],
      ['\rx', "'\rx"],
      ['-1,000', "'-1,000"],
    ];
    for (const [text, expected] of guarded) {
      it(`prefixes ${JSON.stringify(text)} with '`, () => {
        assert.strictEqual(guardFormula(text), expected);
      });
    }

    for (const text of ['-5', '+3.2', '-0.5', '+.5', '1e5', '-1.5E-3', '42']) {
      it(`leaves the plain number ${JSON.stringify(text)} alone`, () => {
        assert.strictEqual(guardFormula(text), text);
      });
    }

    for (const text of ['CUST-000123', 'a=b', '', ' =1']) {
      it(`leaves ${JSON.stringify(text)}, which does not start with a formula character, alone`, () => {
        assert.strictEqual(guardFormula(text), text);
      });
    }

    it("doubles a leading ' so a reader can always strip exactly one (\"'=1\" → \"''=1\")", () => {
      assert.strictEqual(guardFormula("'=1"), "''=1");
      assert.strictEqual(guardFormula("'plain"), "''plain");
    });

    it('csvCell applies the guard only when asked', () => {
      assert.strictEqual(csvCell('=1+1', true), "'=1+1");
      assert.strictEqual(csvCell('=1+1', false), '=1+1');
    });

    it('csvCell never guards numbers, which are not text', () => {
      assert.strictEqual(csvCell(-5, true), '-5');
      assert.strictEqual(csvCell(0.25, true), '0.25');
    });

    it('guards first, then quotes a guarded cell that needs quotes', () => {
      assert.strictEqual(csvCell('-1,000', true), `"'-1,000"`);
      assert.strictEqual(csvCell('\rx', true), `"'\rx"`);
    });
  });

  describe('quoting', () => {
    const cases: ReadonlyArray<readonly [string, string]> = [
      ['a,b', '"a,b"'],
      ['say "hi"', '"say ""hi"""'],
      ['line1\nline2', '"line1\nline2"'],
      ['cr\rhere', '"cr\rhere"'],
      [' leading', '" leading"'],
      ['trailing ', '"trailing "'],
      ['plain', 'plain'],
      ['in side', 'in side'],
    ];
    for (const [text, expected] of cases) {
      it(`writes ${JSON.stringify(text)} as ${JSON.stringify(expected)}`, () => {
        assert.strictEqual(csvCell(text, false), expected);
      });
    }

    it('writes null as an empty cell', () => {
      assert.strictEqual(csvCell(null, true), '');
    });

    it('csvLines joins the cells with commas', () => {
      assert.deepStrictEqual([...csvLines([['K', 2, null, 'a,b', '=x']], true)], [`K,2,,"a,b",'=x`]);
    });

    it('csvLines encodes a cell repeated from the row above as it encoded it there, and a changed one afresh', () => {
      const rows = [['=a', 'x y', null], ['=a', 'x y', 3], ['b', 'x y', 3], ['=a', '', 3], ['=a', '', null]];
      assert.deepStrictEqual([...csvLines(rows, true)], [`'=a,x y,`, `'=a,x y,3`, 'b,x y,3', `'=a,,3`, `'=a,,`]);
    });
  });

  it('round-trips: rows written with csvLines (guard off) parse back with csv-parse to the same cells', () => {
    const cell = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'Z', '1', ' ', ',', '"', '\n', '\r', '\t', '=', '-', "'", 'é'), maxLength: 8 }),
      fc.string({ unit: 'binary', maxLength: 6 }),
    );
    // Rows drawn from a few, so that cells repeat from one row to the next, as in a report.
    const rows = fc.array(fc.array(cell, { minLength: 2, maxLength: 5 }), { minLength: 1, maxLength: 3 }).chain((pool) => fc.array(fc.constantFrom(...pool), { minLength: 1, maxLength: 6 }));
    fc.assert(
      fc.property(rows, (cells) => {
        const text = [...csvLines(cells, false)].map((line) => `${line}\n`).join('');
        const parsed: unknown = parse(text, { relax_column_count: true });
        assert.deepStrictEqual(parsed, cells);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('writeFileAtomically (docs/behaviour.md §6: temp file + rename, never overwriting)', () => {
  const scratch = useScratchDir();
  let count = 0;
  const freshFolder = (): string => {
    const folder = path.join(scratch(), `out-${++count}`);
    mkdirSync(folder);
    return folder;
  };

  it('writes every line, each ending in a newline, and leaves no temp file behind', () => {
    const folder = freshFolder();
    const file = path.join(folder, 'report.csv');
    writeFileAtomically(file, ['Metric,Value', 'Run ID,r1']);
    assert.strictEqual(readFileSync(file, 'utf8'), 'Metric,Value\nRun ID,r1\n');
    assert.deepStrictEqual(readdirSync(folder), ['report.csv']);
  });

  it('writes lines from a generator, larger than one flush', () => {
    const folder = freshFolder();
    const file = path.join(folder, 'big.csv');
    function* lines(): Generator<string> {
      for (let i = 0; i < 120_000; i++) yield `K-${i},x`;
    }
    writeFileAtomically(file, lines());
    const written = readFileSync(file, 'utf8').split('\n');
    assert.strictEqual(written.length, 120_001);
    assert.deepStrictEqual([written[0], written[119_999], written[120_000]], ['K-0,x', 'K-119999,x', '']);
  });

  it('writes the bytes of the lines joined and encoded as UTF-8, whatever their lengths and characters', () => {
    // Lines of every width (Latin-1, two- and three-byte, astral, a lone surrogate) up to and past
    // a chunk's worth, so that lines land on, across and beyond the chunk boundaries.
    const unit = fc.constantFrom('K', '-', 'é', 'Ω', '語', '😀', '\uD800');
    const long = fc.tuple(fc.string({ unit, minLength: 1, maxLength: 8 }), fc.integer({ min: 20_000, max: 60_000 })).map(([text, times]) => text.repeat(times));
    const line = fc.oneof(fc.string({ unit, maxLength: 40 }), long);
    fc.assert(
      fc.property(fc.array(line, { maxLength: 12 }), fc.nat({ max: 60_000 }), (lines, filler) => {
        const all = [...Array.from({ length: filler }, (_, i) => `F${i}`), ...lines];
        const file = path.join(freshFolder(), 'report.csv');
        writeFileAtomically(file, all);
        assert.ok(readFileSync(file).equals(Buffer.from(all.map((text) => `${text}\n`).join(''), 'utf8')));
      }),
      { numRuns: 25 },
    );
  });

  it('refuses to overwrite an existing file (REPORT_EXISTS) and leaves it unchanged, with no temp file', () => {
    const folder = freshFolder();
    const file = path.join(folder, 'report.csv');
    writeFileSync(file, 'earlier run\n');
    assert.throws(
      () => writeFileAtomically(file, ['later run']),
      (error: unknown) => error instanceof KeySyncError && error.code === 'REPORT_EXISTS' && error.file === file,
    );
    assert.strictEqual(readFileSync(file, 'utf8'), 'earlier run\n');
    assert.deepStrictEqual(readdirSync(folder), ['report.csv']);
  });

  it('with replace: true, overwrites the existing file', () => {
    const folder = freshFolder();
    const file = path.join(folder, 'A.csv');
    writeFileSync(file, 'old\n');
    writeFileAtomically(file, ['new'], { replace: true });
    assert.strictEqual(readFileSync(file, 'utf8'), 'new\n');
    assert.deepStrictEqual(readdirSync(folder), ['A.csv']);
  });

  it('creates neither the file nor a temp file when producing the lines fails', () => {
    const folder = freshFolder();
    const file = path.join(folder, 'report.csv');
    function* failing(): Generator<string> {
      yield 'first';
      throw new Error('row source broke');
    }
    assert.throws(() => writeFileAtomically(file, failing()), /row source broke/);
    assert.deepStrictEqual(readdirSync(folder), []);
  });
});

describe('claimReportStamp / reportFileName (<report>_<run-timestamp>.csv)', () => {
  const scratch = useScratchDir();
  const at = new Date(Date.UTC(2026, 10, 28, 14, 25, 1, 789));
  const stampIn = (folder: string, when = at, dryRun = false) => claimReportStamp(folder, when, dryRun, (stamp) => `${stamp}-test`).stamp;

  it('is the ISO 8601 basic UTC form, seconds precision: 20261128T142501Z', () => {
    assert.strictEqual(stampIn(mkdtempSync(path.join(scratch(), 'iso-'))), '20261128T142501Z');
  });

  it('uses UTC whatever the Date was built from', () => {
    assert.strictEqual(stampIn(mkdtempSync(path.join(scratch(), 'utc-')), new Date('2026-01-02T03:04:05+02:00')), '20260102T010405Z');
  });

  it('names a report <report>_<stamp>.csv, and a dry run’s <report>_dry-run_<stamp>.csv', () => {
    assert.strictEqual(reportFileName('reconciliation_summary', '20261128T142501Z', false), 'reconciliation_summary_20261128T142501Z.csv');
    assert.strictEqual(reportFileName('diff_missing_in_A', '20261128T142501Z', true), 'diff_missing_in_A_dry-run_20261128T142501Z.csv');
  });

  it('reads a report file name back: report, stamp, dry run; nothing for other files', () => {
    for (const name of REPORT_NAMES) {
      for (const dryRun of [false, true]) {
        assert.deepEqual(parseReportFileName(path.join('out', reportFileName(name, '20261128T142501Z-2', dryRun))), { name, stamp: '20261128T142501Z-2', dryRun });
      }
    }
    for (const other of ['notes.csv', 'audit_log_2026.csv', 'unknown_report_20261128T142501Z.csv', '.keysync-claim_20261128T142501Z.json']) {
      assert.equal(parseReportFileName(other), undefined, other);
    }
  });

  it('gives runs claiming in the same second -2, -3, … and records each claim', () => {
    const folder = mkdtempSync(path.join(scratch(), 'claims-'));
    assert.deepStrictEqual([stampIn(folder), stampIn(folder), stampIn(folder)], ['20261128T142501Z', '20261128T142501Z-2', '20261128T142501Z-3']);
    assert.ok(readdirSync(folder).includes(claimFileName('20261128T142501Z-2', false)));
  });

  it('skips a stamp whose reports exist without a claim (folders written before claims)', () => {
    const folder = mkdtempSync(path.join(scratch(), 'taken-'));
    writeFileSync(path.join(folder, reportFileName('audit_log', '20261128T142501Z', false)), '');
    assert.strictEqual(stampIn(folder), '20261128T142501Z-2');
  });

  it('treats dry-run and real reports as separate names', () => {
    const folder = mkdtempSync(path.join(scratch(), 'dry-'));
    assert.strictEqual(stampIn(folder, at, true), '20261128T142501Z');
    assert.strictEqual(stampIn(folder, at, false), '20261128T142501Z');
    assert.strictEqual(stampIn(folder, at, true), '20261128T142501Z-2');
  });

  it('refuses an output folder that is a file, naming it', () => {
    const file = path.join(scratch(), 'not-a-folder');
    writeFileSync(file, 'x');
    assert.throws(() => stampIn(file), (error: KeySyncError) => error.code === 'OUTPUT_UNUSABLE' && error.file === file && /folder/.test(error.remedy ?? ''));
  });

  it('removes report files only for the run its claim names, and only files of that stamp', () => {
    const folder = mkdtempSync(path.join(scratch(), 'remove-'));
    const { stamp, runId } = claimReportStamp(folder, at, false, (s) => `${s}-mine`);
    const other = claimReportStamp(folder, at, false, (s) => `${s}-other`);
    const mine = path.join(folder, reportFileName('audit_log', stamp, false));
    const theirs = path.join(folder, reportFileName('audit_log', other.stamp, false));
    const userFile = path.join(folder, 'notes.csv');
    for (const file of [mine, theirs, userFile]) writeFileSync(file, 'x');
    writeFileSync(path.join(folder, `.${reportFileName('duplicates', stamp, false)}.999.tmp`), 'partial');
    assert.deepStrictEqual(removeRunReports(folder, other.stamp, false, runId, { releaseClaim: true }), [], 'not my stamp');
    assert.strictEqual(removeRunReports(folder, stamp, false, runId, { releaseClaim: false }).length, 2);
    assert.deepStrictEqual(readdirSync(folder).sort(), [claimFileName(stamp, false), claimFileName(other.stamp, false), path.basename(theirs), 'notes.csv'].sort());
  });

  it('knows the ten reports of docs/behaviour.md §6, in order', () => {
    assert.deepStrictEqual(
      [...REPORT_NAMES],
      [
        'reconciliation_summary', 'diff_missing_in_A', 'diff_missing_from_system', 'master_key_registry', 'audit_log', 'duplicates', 'error_report', 'trend_analysis',
        'probable_matches', 'key_corrections',
      ],
    );
  });
});

describe('unguardFormula', () => {
  it('gives back exactly what guardFormula was given', () => {
    fc.assert(fc.property(fc.string(), (text) => unguardFormula(guardFormula(text)) === text), { numRuns: 2000 });
  });
});
