import assert from 'node:assert/strict';
import { estimateRows } from '../../src/sources/csv/row-estimate.js';

describe('estimateRows (a CSV file\'s rows, told to the index before the first)', () => {
  const bytes = (text: string) => Buffer.from(text, 'utf8');

  it('a file read whole: its lines', () => {
    const file = bytes('key\nA1\nB2\nC3\n');
    assert.equal(estimateRows(file, file.length), 4);
  });

  it('from the first bytes of a larger file: its size at their lines per byte', () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `CUST-${String(i).padStart(7, '0')},2026-01-01\n`).join('');
    const file = bytes(`key,seen\n${lines}`);
    const estimate = estimateRows(file.subarray(0, 4 * 1024 * 1024), file.length);
    assert.ok(Math.abs(estimate - 100_001) / 100_001 < 0.01, `estimate ${estimate}`);
  });

  it('nothing to go on: an empty start, or no line break in it', () => {
    assert.equal(estimateRows(bytes(''), 100), 0);
    assert.equal(estimateRows(bytes('x'.repeat(70_000)), 1_000_000), 0);
  });
});
