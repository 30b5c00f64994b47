/** Row locators through the KeyIndex and its snapshot (docs/architecture.md §4). */
import assert from 'node:assert/strict';
import { KeyIndex } from '../../src/core/key-index.js';
import type { RowLocator } from '../../src/core/types.js';
import { loadSnapshot, writeSnapshot } from '../../src/store/snapshots.js';
import { useScratchDir } from '../helpers/workspace.js';

describe('row locators in the KeyIndex and snapshots', () => {
  const scratch = useScratchDir();
  const rows: [string, string, RowLocator][] = [
    ['K-1', 'K-1', 7],
    ['K-2', 'k-2', 'cust-2'],
    ['K-3', 'K-3', -4],
    ['K-4', 'K-4', 2 ** 40],
    ['K-2', 'K 2', 'region=EU,id=1'],
    ['K-5', 'K-5', 0],
  ];

  const sightings = (index: KeyIndex) => [...index.keys()].sort().map((key) => [key, index.sightings(key).map(({ raw, line }) => [raw, line])]);
  const expected = [
    ['K-1', [['K-1', 7]]],
    ['K-2', [['k-2', 'cust-2'], ['K 2', 'region=EU,id=1']]],
    ['K-3', [['K-3', -4]]],
    ['K-4', [['K-4', 2 ** 40]]],
    ['K-5', [['K-5', 0]]],
  ];

  it('keeps numbers in firstLines and any other locator, number or text, beside them', () => {
    const index = new KeyIndex('B');
    for (const [key, raw, locator] of rows) index.add(key, raw, locator);
    assert.deepEqual(sightings(index), expected);
    assert.deepEqual(index.data.locators?.map(([, locator]) => locator).sort(), [-4, 2 ** 40, 'cust-2'].sort());
  });

  it('a CSV-like index carries no side list at all', () => {
    const index = new KeyIndex('A');
    index.add('K-1', 'K-1', 2);
    assert.equal(index.data.locators, undefined);
  });

  it('round-trips through a snapshot', () => {
    const index = new KeyIndex('B');
    for (const [key, raw, locator] of rows) index.add(key, raw, locator);
    const { file: name } = writeSnapshot(scratch(), { index, rows: rows.length, badRows: [] }, 'fingerprint');
    const loaded = loadSnapshot(scratch(), { system: 'B', runId: 'r', file: 'f', fingerprint: 'fingerprint', keyCount: index.size, snapshotFile: name }, 'B');
    assert.ok(loaded);
    assert.deepEqual(sightings(loaded.index), expected);
  });
});
