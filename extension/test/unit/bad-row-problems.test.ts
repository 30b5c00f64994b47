/** Bad rows as Problems-panel entries, outside the editor. */
import assert from 'node:assert/strict';
import type { BadRowEntry } from '@keysync/sdk';
import { badRowProblems, MAX_PROBLEMS_PER_FILE } from '../../src/bad-row-problems.js';

const row = (file: string, line: number, overrides: Partial<BadRowEntry> = {}): BadRowEntry => ({
  file, line, reason: 'missing key', detail: 'the key field is blank', action: 'skipped', ...overrides,
});

describe('bad rows in the Problems panel', () => {
  it('puts each bad row on its file and line, saying what was wrong, what the run did and which system', () => {
    const problems = badRowProblems([
      { system: 'B', rows: [row('/ws/B.csv', 3), row('/ws/B.csv', 9, { reason: 'ragged row', detail: '3 fields where the header has 4', action: 'kept' })] },
      { system: 'C', rows: [row('/ws/C.csv', 2)] },
    ]);
    assert.deepEqual([...problems.keys()], ['/ws/B.csv', '/ws/C.csv']);
    assert.deepEqual(problems.get('/ws/B.csv'), [
      { line: 3, message: 'missing key (the key field is blank); row skipped — system B' },
      { line: 9, message: 'ragged row (3 fields where the header has 4); row kept — system B' },
    ]);
  });

  it('lists at most MAX_PROBLEMS_PER_FILE rows per file and says how many more the error report has', () => {
    const rows = Array.from({ length: MAX_PROBLEMS_PER_FILE + 2500 }, (_, index) => row('/ws/B.csv', index + 2));
    const problems = badRowProblems([{ system: 'B', rows }]).get('/ws/B.csv')!;
    assert.equal(problems.length, MAX_PROBLEMS_PER_FILE + 1);
    assert.deepEqual(problems.at(-1), { line: 1, message: "2,500 more bad rows in this file are not listed here; the run's error_report lists every one" });
  });

  it('gives no entry at all for a run without bad rows', () => {
    assert.equal(badRowProblems([]).size, 0);
  });
});
