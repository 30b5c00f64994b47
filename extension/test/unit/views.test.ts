/** Tree labels and accessibility strings, the history chart's layout, CodeLens mode, guided setup. */
import assert from 'node:assert/strict';
import { rowHasLens } from '../../src/codelens/lens-mode.js';
import { chartSvg, formatRunTime, timeScale, timeTicks } from '../../src/history/chart.js';
import { guessDelimiter, guessKeyColumn, guidedConfigText, headerFields, systemName } from '../../src/setup/guided-config.js';
import { groupAccessibilityLabel, rowAccessibilityLabel, statusGroupAccessibilityLabel, statusLabel, systemAccessibilityLabel } from '../../src/tree/tree-labels.js';

describe('tree labels and what screen readers hear', () => {
  it('announces a system group by name and count, not its file path', () => {
    assert.equal(systemAccessibilityLabel('B', 'out_of_authority', 834), 'System B, 834 out-of-authority keys');
    assert.equal(systemAccessibilityLabel('C', 'gap', 1), 'System C, 1 propagation gap');
    assert.equal(groupAccessibilityLabel('duplicate', 0), 'Duplicates, 0 duplicate groups');
  });

  it('writes statuses in sentence case, with the count said', () => {
    assert.equal(statusLabel('proposed'), 'Proposed');
    assert.equal(statusGroupAccessibilityLabel('proposed', 1109), 'Proposed, 1,109 master keys');
  });

  it('keeps a summary row\'s figures', () => {
    assert.equal(rowAccessibilityLabel('C', '62.50% · 3 gaps · 2 out of authority'), 'C, 62.50%, 3 gaps, 2 out of authority');
    assert.equal(rowAccessibilityLabel('Summary', undefined), 'Summary');
  });
});

describe('run history chart', () => {
  const day = 86_400_000;
  const times = [Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 2), Date.UTC(2026, 0, 11)];

  it('spaces runs by time, not by index', () => {
    const x = timeScale(times, 0, 100);
    assert.equal(x(times[0]!), 0);
    assert.equal(x(times[1]!), 10);
    assert.equal(x(times[2]!), 100);
    assert.equal(timeScale([5, 5], 0, 100)(5), 50, 'a single moment sits in the middle');
    assert.deepEqual(timeTicks([times[0]!, times[0]! + 4 * day], 5), [0, 1, 2, 3, 4].map((n) => times[0]! + n * day));
  });

  it('dates ticks with the year', () => {
    assert.equal(formatRunTime(Date.UTC(2026, 0, 31, 14, 5)), '2026-01-31 14:05 UTC');
    assert.equal(formatRunTime(Date.UTC(2026, 0, 31, 14, 5, 9), true), '2026-01-31 14:05:09 UTC');
  });

  it('tells equal series apart and gives every point its value', () => {
    const svg = chartSvg(
      [
        { name: 'Overall', points: [0.5, 0.5, 0.5] },
        { name: 'B', points: [0.5, 0.5, 0.5] },
      ],
      times,
    );
    assert.match(svg, /<g class="s0 overall">.*<circle /);
    assert.match(svg, /<g class="s1">.*<rect /, 'a different marker shape');
    assert.match(svg, /<title>B · 2026-01-11 00:00:00 UTC · 50\.00%<\/title>/);
    assert.match(svg, /Run started \(UTC\)/);
    assert.match(svg, /Match rate<\/text>/);
    assert.match(svg, /width="760" height="300"/, 'a fixed size: text is not shrunk in a narrow editor');
    assert.match(svg, /<tspan [^>]*>2026-01-11<\/tspan>/);
  });
});

describe('CodeLens mode', () => {
  it('puts row lenses everywhere per row, and only under the cursor in compact mode', () => {
    assert.equal(rowHasLens('perRow', 10, []), true);
    assert.equal(rowHasLens('compact', 10, []), false);
    assert.equal(rowHasLens('compact', 10, [{ start: 8, end: 12 }]), true);
    assert.equal(rowHasLens('compact', 13, [{ start: 8, end: 12 }]), false);
  });
});

describe('guided setup', () => {
  it('reads a header line: BOM, quotes, other delimiters', () => {
    assert.deepEqual(headerFields('\uFEFFkey,name,"city, state"\r\n1,2,3'), ['key', 'name', 'city, state']);
    assert.equal(guessDelimiter('id;name;email'), ';');
    assert.deepEqual(headerFields('id;name;email'), ['id', 'name', 'email']);
    assert.deepEqual(headerFields('"say ""hi""",x', ','), ['say "hi"', 'x']);
  });

  it('guesses the key column', () => {
    assert.equal(guessKeyColumn(['name', 'key']), 'key');
    assert.equal(guessKeyColumn(['name', 'customer_id', 'city']), 'customer_id');
    assert.equal(guessKeyColumn(['name', 'CustomerId']), 'CustomerId');
    assert.equal(guessKeyColumn(['a', 'b']), 'a');
  });

  it('names systems after their files, validly and uniquely', () => {
    assert.equal(systemName('/w/exports/crm export.csv', new Set()), 'crm_export');
    assert.equal(systemName('/w/a/B.csv', new Set(['B'])), 'B_2');
    assert.equal(systemName('/w/_x.CSV', new Set()), 'x');
  });

  it('writes a config that names the authority first and quotes every value', () => {
    const text = guidedConfigText('erp', [
      { system: 'crm', path: './crm.csv', keyColumn: 'Customer ID', delimiter: ';' },
      { system: 'erp', path: './data/erp.csv', keyColumn: 'key', delimiter: ',' },
    ]);
    assert.match(text, /^authority: "erp"$/m);
    assert.match(text, /sources:\n {2}"erp": \{ type: csv, path: ".\/data\/erp.csv", key_column: "key" \}\n {2}"crm": \{ type: csv, path: ".\/crm.csv", key_column: "Customer ID", delimiter: ";" \}/);
  });
});

describe('the view\'s "…" menu', () => {
  it('lists runs, Find Key and reports before Approve All Proposed', async () => {
    const { readFileSync } = await import('node:fs');
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    // VS Code sorts a menu's groups by name; "navigation" is the title bar itself.
    const groups = (manifest.contributes.menus['view/title'] as { command: string; group: string }[])
      .filter((entry) => !entry.group.startsWith('navigation'))
      .sort((a, b) => a.group.localeCompare(b.group))
      .map((entry) => entry.command);
    assert.deepEqual(groups, ['keysync.runIncremental', 'keysync.dryRun', 'keysync.findKey', 'keysync.openLatestReport', 'keysync.showRunSummary', 'keysync.showLog', 'keysync.approveAll']);
  });
});
