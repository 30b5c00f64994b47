/**
 * Reports parse back to the discrepancies they were written from (property, fast-check):
 * whatever the keys — commas, quotes, formula prefixes, spaces — the CSV quoting and the
 * injection guard lose nothing a reader needs.
 */
import assert from 'node:assert/strict';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { compareSystems, type Discrepancies } from '../../src/core/compare.js';
import { summarizeRun } from '../../src/core/summary.js';
import { csvLines } from '../../src/reports/csv-cell.js';
import { REPORT_ROWS, type ReportInput, type ReportName } from '../../src/reports/report-rows.js';
import { indexOf } from '../helpers/key-indexes.js';

const keyChar = fc.constantFrom(...'AB12-=+@ ,"\'x\t'.split(''));
const text = fc.string({ unit: keyChar, minLength: 1, maxLength: 6 });
/** Rows of one system: [normalised key, raw key]; raw keys never hold the " | " duplicates separator. */
const systemRows = fc.array(fc.tuple(text, text), { maxLength: 12 }).map((rows) => rows.filter(([, raw]) => !raw.includes(' | ')));

function reportText(name: ReportName, input: ReportInput): Record<string, string>[] {
  const lines = [...csvLines(REPORT_ROWS[name](input), true)];
  return parse(`${lines.join('\n')}\n`, { columns: true }) as Record<string, string>[];
}

/** What the guard added: a leading ' before a formula character or another ' (a reader strips one). */
const unguard = (cell: string) => (/^'[=+\-@\t\r']/.test(cell) ? cell.slice(1) : cell);

function inputFor(discrepancies: Discrepancies): ReportInput {
  const summary = summarizeRun({
    runId: 'R',
    mode: 'full',
    engine: 'node',
    dryRun: false,
    startedAt: '2026-11-28T00:00:00.000Z',
    sources: discrepancies.systems.map((system) => ({ system, file: `${system}.csv`, status: 'read' as const, rows: 0, repeatedRows: 0, badRows: 0 })),
    discrepancies,
    fromSnapshot: new Set(),
    registry: { proposed: 0, autoApproved: 0, resolved: 0, pending: 0 },
  });
  return { timestamp: '2026-11-28T00:00:00Z', summary, discrepancies, registry: [], registryByKey: new Map(), audit: [], badRows: [], skippedSources: [], history: [], probableMatches: [] };
}

describe('reports parse back to the same discrepancies (property)', () => {
  it('gaps, out-of-authority sightings and duplicate groups survive quoting and the formula guard', () => {
    fc.assert(
      fc.property(systemRows, systemRows, systemRows, (a, b, c) => {
        const discrepancies = compareSystems(indexOf('A', a), [indexOf('B', b), indexOf('C', c)]);
        const input = inputFor(discrepancies);

        const gaps = new Map<string, string[]>([['B', []], ['C', []]]);
        for (const row of reportText('diff_missing_from_system', input)) gaps.get(row.System!)!.push(unguard(row['Normalized Key']!));
        assert.deepEqual(gaps, new Map([...discrepancies.gaps].map(([system, keys]) => [system, keys.map((entry) => entry.key)])));

        const sightings = reportText('diff_missing_in_A', input).map((row) => [unguard(row['Normalized Key']!), row['Source System'], unguard(row['Original Key']!)]);
        assert.deepEqual(
          sightings,
          discrepancies.outOfAuthority.flatMap(({ key, sightings: seen }) => seen.map((sighting) => [key, sighting.system, sighting.raw])),
        );

        const duplicates = reportText('duplicates', input).map((row) => ({
          system: row.System,
          key: unguard(row['Normalized Key']!),
          // The guard applies to a cell, so the joined list is unguarded before it is split.
          raws: unguard(row['Original Keys']!).split(' | '),
          lines: row.Lines!.split(' | ').map(Number),
        }));
        assert.deepEqual(
          duplicates,
          discrepancies.duplicates.map((group) => ({
            system: group.system,
            key: group.key,
            raws: group.sightings.map((sighting) => sighting.raw),
            lines: group.sightings.map((sighting) => sighting.line),
          })),
        );
      }),
      { numRuns: 1000 },
    );
  });
});
