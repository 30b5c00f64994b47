/**
 * The summary table has one owner, the SDK's `summaryTableRows`: the CLI's text and the
 * editor's Markdown both lay out every one of its rows, with the same labels and figures.
 */
import assert from 'node:assert/strict';
import { SUMMARY_TABLE_COLUMNS, summaryTableRows, type RunSummary, type SystemSummary } from '@keysync/sdk';
import { formatSummary } from '../../../sdk/src/cli/format.js';
import { summaryMarkdown } from '../../src/markdown-text.js';

const system = (name: string, fields: Partial<SystemSummary> = {}): SystemSummary => ({
  system: name,
  role: name === 'A' ? 'authority' : 'downstream',
  status: 'read',
  fromSnapshot: false,
  file: `/w/input/${name}.csv`,
  rows: 1109,
  keys: 1100,
  repeatedRows: 9,
  badRows: 3,
  matchRate: name === 'A' ? null : 0.625,
  gaps: 412,
  outOfAuthority: 7,
  duplicateGroups: 2,
  skippedReason: null,
  skippedCode: null,
  ...fields,
});

const summary: RunSummary = {
  runId: 'R1',
  mode: 'full',
  dryRun: false,
  startedAt: '2026-01-02T00:00:00Z',
  authority: 'A',
  systems: [
    system('A'),
    system('B'),
    system('C', { status: 'skipped', rows: 0, keys: 0, matchRate: null, skippedReason: 'The source file does not exist.', skippedCode: 'SOURCE_MISSING' }),
  ],
  totals: {
    comparedSystems: 1, uniqueKeys: 1107, keysInAuthority: 1100, keysOnlyInAuthority: 412, keysMissingInAuthority: 7, keysInAllSystems: 688,
    overallMatchRate: 0.6215, outOfAuthoritySightings: 7, propagationGaps: 412, duplicateGroups: 4, badRows: 6, repeatedRows: 18,
    keysWithProbableMatch: 0, keysLinked: 0,
  },
  registry: { proposed: 7, autoApproved: 0, resolved: 0, pending: 7 },
  warnings: [],
};

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the summary table, one list of rows rendered twice', () => {
  const rows = summaryTableRows(summary);
  const cli = formatSummary(summary, null);
  const markdown = summaryMarkdown(summary);

  it('gives a row per system with its figures, and `—` where the authority has none', () => {
    assert.deepEqual(rows.map((row) => row.system), ['A', 'B', 'C']);
    assert.deepEqual(rows[0]!.values, ['1,109', '1,100', '—', '—', '—', '2', '3']);
    assert.deepEqual(rows[1]!.values, ['1,109', '1,100', '62.50%', '412', '7', '2', '3']);
    assert.equal(rows[2]!.values, null);
  });

  it('heads both renderings with the same columns', () => {
    assert.match(cli, new RegExp(`^${SUMMARY_TABLE_COLUMNS.map(escape).join(' +')}$`, 'm'));
    assert.match(markdown, new RegExp(`^\\| ${SUMMARY_TABLE_COLUMNS.map(escape).join(' \\| ')} \\|$`, 'm'));
  });

  it('puts every row, label and figures in column order, in the CLI text and in the Markdown', () => {
    for (const row of rows) {
      const cells = [row.system, row.role, ...(row.values ?? [])].map(escape);
      assert.match(cli, new RegExp(`^${cells.join(' +')}`, 'm'), `CLI: ${row.system}`);
      assert.match(markdown, new RegExp(`^\\| ${cells.join(' \\| ')} \\|`, 'm'), `Markdown: ${row.system}`);
      if (row.skippedReason) {
        assert.ok(cli.includes(`${row.system} left out: ${row.skippedReason}`), `CLI says why ${row.system} was left out`);
        assert.ok(markdown.includes(`left out: ${row.skippedReason}`), `Markdown says why ${row.system} was left out`);
      }
    }
  });
});
