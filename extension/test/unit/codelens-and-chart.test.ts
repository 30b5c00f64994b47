/** The CodeLens CSV reader, report-row matching and the history chart, outside the editor (no vscode module). */
import assert from 'node:assert/strict';
import type { MasterKeyRecord, RunRecord } from '@keysync/sdk';
import { unguardFormula as unguard } from '@keysync/sdk';
import { readCsvRecords } from '../../src/codelens/csv-records.js';
import { actionableReport } from '../../src/codelens/report-kind.js';
import { isPending, isStale, parseReport, statusEdits } from '../../src/codelens/report-rows.js';
import { escapeXml } from '../../src/escape.js';
import { matchRateSeries } from '../../src/history/chart.js';

const values = (text: string) => readCsvRecords(text).map((record) => [record.line, record.fields.map((field) => field.value)]);

describe('readCsvRecords', () => {
  it('reads plain records with LF or CRLF, skipping a trailing empty line', () => {
    assert.deepEqual(values('a,b\n1,2\n'), [[0, ['a', 'b']], [1, ['1', '2']]]);
    assert.deepEqual(values('a,b\r\n1,2\r\n'), [[0, ['a', 'b']], [1, ['1', '2']]]);
    assert.deepEqual(values('a,,c'), [[0, ['a', '', 'c']]]);
  });

  it('unquotes RFC 4180 fields: commas, doubled quotes and line breaks inside quotes', () => {
    const records = values('k,v\n"a,b","say ""hi"""\n"two\nlines",x\nlast,y\n');
    assert.deepEqual(records, [[0, ['k', 'v']], [1, ['a,b', 'say "hi"']], [2, ['two\nlines', 'x']], [4, ['last', 'y']]]);
  });

  it('gives each field the offsets of its raw text, quotes included', () => {
    const text = 'x,"q""q",z\n';
    const fields = readCsvRecords(text)[0]!.fields;
    assert.deepEqual(fields.map((field) => text.slice(field.start, field.end)), ['x', '"q""q"', 'z']);
  });

  it('unguard removes exactly the one quote the injection guard adds', () => {
    assert.equal(unguard("'=SUM(A1)"), '=SUM(A1)');
    assert.equal(unguard("'-1x"), '-1x');
    assert.equal(unguard("''quoted"), "'quoted");
    assert.equal(unguard('MK-1'), 'MK-1');
  });
});

function record(masterKey: string, status: MasterKeyRecord['status'], activatedAt: string | null = null): MasterKeyRecord {
  return {
    id: 1, masterKey, normalizedKey: masterKey, sourceSystem: 'B', sourceKey: masterKey, strategy: 'mirror', status, createdAt: 't', createdRunId: 'r',
    activatedAt, statusChangedAt: 't', statusChangedBy: 'keysync', statusReason: null, linkedTo: null,
  };
}

describe('parseReport / statusEdits (registry report)', () => {
  const kind = actionableReport('output/master_key_registry_20260101T000000Z.csv')!;
  const text = [
    'Master Key ID,Master Key,Source System,Source Key,Status,Provisioning Strategy,Created At,Activated At,Run ID',
    '1,K-1,B,k-1,proposed,mirror,t,,r',
    "2,'-K2,B,-k2,proposed,mirror,t,,r",
    '3,K-3,B,k-3,proposed,mirror,t,,r',
    '4,GONE,B,gone,proposed,mirror,t,,r',
    '',
  ].join('\n');
  const registry = new Map([
    ['K-1', record('K-1', 'proposed')],
    ['-K2', record('-K2', 'proposed')],
    ['K-3', record('K-3', 'active', '2026-01-02T00:00:00Z')],
  ]);

  it('matches rows to registry entries by unguarded master key, with their lines', () => {
    const parsed = parseReport(text, kind, registry)!;
    assert.equal(parsed.headerLine, 0);
    assert.deepEqual(parsed.rows.map((row) => [row.line, row.masterKey, row.fileStatus, row.record?.status]), [
      [1, 'K-1', 'proposed', 'proposed'],
      [2, '-K2', 'proposed', 'proposed'],
      [3, 'K-3', 'proposed', 'active'],
      [4, 'GONE', 'proposed', undefined],
    ]);
    assert.deepEqual(parsed.rows.map(isPending), [true, true, false, false]);
    assert.deepEqual(parsed.rows.map(isStale), [false, false, true, true]);
  });

  it('edits only the stale status and activation cells, and the edits bring the file in line', () => {
    const parsed = parseReport(text, kind, registry)!;
    const edits = statusEdits(parsed);
    assert.equal(edits.length, 2);
    let updated = text;
    for (const edit of [...edits].sort((a, b) => b.start - a.start)) updated = updated.slice(0, edit.start) + edit.text + updated.slice(edit.end);
    assert.equal(updated.split('\n')[3], '3,K-3,B,k-3,active,mirror,t,2026-01-02T00:00:00Z,r');
    assert.deepEqual(statusEdits(parseReport(updated, kind, registry)!), []);
  });

  it('gives up on a file without the expected columns, and on an empty file', () => {
    assert.equal(parseReport('a,b\n1,2\n', kind, registry), undefined);
    assert.equal(parseReport('', kind, registry), undefined);
  });

  it('reads diff_missing_in_A by its Proposed Master Key column', () => {
    const diffKind = actionableReport('diff_missing_in_A_20260101T000000Z.csv')!;
    const diff = 'Normalized Key,Source System,Original Key,Proposed Master Key,Provisioning Strategy,Status,Timestamp\nK-1,B,k-1,K-1,mirror,proposed,t\n';
    const parsed = parseReport(diff, diffKind, registry)!;
    assert.deepEqual(parsed.rows.map((row) => [row.masterKey, row.activatedAtField]), [['K-1', undefined]]);
  });

  it('leaves out a linked key\'s diff_missing_in_A row: its master-key column holds the A key, nothing to act on', () => {
    const diffKind = actionableReport('diff_missing_in_A_20260101T000000Z.csv')!;
    const diff = 'Normalized Key,Source System,Original Key,Proposed Master Key,Provisioning Strategy,Status,Timestamp\nK-01,B,k-01,K-1,mirror,linked,t\nK-1,B,k-1,K-1,mirror,proposed,t\n';
    const parsed = parseReport(diff, diffKind, registry)!;
    assert.deepEqual(parsed.rows.map((row) => [row.line, row.masterKey, row.fileStatus]), [[2, 'K-1', 'proposed']]);
    assert.deepEqual(statusEdits(parsed), []);
  });
});

describe('history chart', () => {
  const run = (overall: number | null, systems: [string, number | null][]): RunRecord =>
    ({
      summary: {
        totals: { overallMatchRate: overall },
        systems: [{ system: 'A', role: 'authority', matchRate: null }, ...systems.map(([system, matchRate]) => ({ system, role: 'downstream', matchRate }))],
      },
    }) as unknown as RunRecord;

  it('gives one series for the overall rate and one per downstream system, with null where a run lacks it', () => {
    const series = matchRateSeries([run(0.8, [['B', 0.9]]), run(null, [['B', 0.5], ['C', 1]])]);
    assert.deepEqual(series, [
      { name: 'Overall', points: [0.8, null] },
      { name: 'B', points: [0.9, 0.5] },
      { name: 'C', points: [null, 1] },
    ]);
  });

  it('escapes every markup character in names', () => {
    assert.equal(escapeXml(`<a href="x">'&`), '&#60;a href=&#34;x&#34;&#62;&#39;&#38;');
  });
});
