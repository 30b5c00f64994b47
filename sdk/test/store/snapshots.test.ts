/**
 * Snapshots hold a sealed KeyIndex as typed arrays and text (docs/architecture.md §4): what
 * loads must answer every question the parsed index answers — keys, first raw forms, lines,
 * duplicates — for clean keys, messy raw forms and text outside Latin-1.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { KeyIndex } from '../../src/core/key-index.js';
import type { KeysDigest } from '../../src/core/types.js';
import { loadSnapshot, snapshotKeysDigest, snapshotOutline, writeSnapshot } from '../../src/store/snapshots.js';

interface Row {
  readonly key: string;
  readonly raw: string;
  readonly line: number | string;
}

function indexOf(rows: readonly Row[]): KeyIndex {
  const index = new KeyIndex('B');
  for (const row of rows) index.add(row.key, row.raw, row.line);
  return index;
}

/** Everything a reader of the index can ask, position by position. */
function answers(index: KeyIndex) {
  return Array.from({ length: index.size }, (_, position) => ({
    key: index.keyAt(position),
    raw: index.rawAt(position),
    locator: index.locatorAt(position),
    sightings: index.sightingsAt(position),
  }));
}

function roundTrip(folder: string, rows: readonly Row[]): { original: KeyIndex; loaded: KeyIndex } {
  const original = indexOf(rows);
  const { file: name } = writeSnapshot(folder, { index: original, rows: rows.length, badRows: [] }, `fingerprint ${rows.length}`);
  const content = loadSnapshot(folder, { system: 'B', runId: 'r', file: 'B.csv', fingerprint: 'f', keyCount: original.size, snapshotFile: name }, 'B');
  assert.ok(content, 'the snapshot loads');
  assert.equal(content.rows, rows.length);
  return { original, loaded: content.index };
}

describe('snapshots (KSNAP5): a KeyIndex written and loaded', () => {
  let folder: string;
  beforeEach(() => (folder = mkdtempSync(path.join(os.tmpdir(), 'keysync-snapshots-'))));
  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  it('keeps clean keys, messy raw forms, duplicates, text locators and text outside Latin-1', () => {
    const rows: Row[] = [
      { key: 'CUST-1', raw: 'CUST-1', line: 2 },
      { key: 'CUST-2', raw: ' cust_2 ', line: 3 },
      { key: 'CUST-2', raw: 'CUST-2', line: 4 },
      { key: 'CUST-3', raw: 'cust-3', line: 'pk-abc' },
      { key: 'CLÉ-4', raw: 'clé-4', line: 5 },
      { key: 'KEY-5', raw: 'KEY-5 ✓', line: 6 },
      { key: '', raw: '', line: 7 },
    ];
    const { original, loaded } = roundTrip(folder, rows);
    assert.deepEqual(loaded.data, original.data);
    assert.deepEqual(answers(loaded), answers(original));
    assert.equal(loaded.rawAt(loaded.find('CUST-3')), 'cust-3');
    assert.equal(loaded.rawAt(loaded.find('KEY-5')), 'KEY-5 ✓');
    assert.equal(loaded.rawAt(loaded.find('CUST-1')), 'CUST-1');
  });

  it('answers as the parsed index does for any rows (property)', () => {
    const text = fc.string({ unit: fc.constantFrom('A', 'b', '-', '1', ' ', 'é', '✓'), maxLength: 6 });
    fc.assert(
      fc.property(fc.array(fc.record({ key: text, messy: fc.boolean(), suffix: text, line: fc.nat(1000) }), { maxLength: 60 }), (drawn) => {
        const rows = drawn.map(({ key, messy, suffix, line }) => ({ key, raw: messy ? `${key}${suffix}x` : key, line: line + 2 }));
        const { original, loaded } = roundTrip(folder, rows);
        assert.deepEqual(answers(loaded), answers(original));
      }),
      { numRuns: 200, seed: 20261202 },
    );
  });

  it('is not used when cut short or lengthened: the source is read again', () => {
    const { original } = roundTrip(folder, [{ key: 'K', raw: 'k', line: 2 }, { key: 'L', raw: 'L', line: 3 }]);
    const { file: name } = writeSnapshot(folder, { index: original, rows: 2, badRows: [] }, 'cut');
    const file = path.join(folder, name);
    const bytes = readFileSync(file);
    const ref = { system: 'B', runId: 'r', file: 'B.csv', fingerprint: 'f', keyCount: 2, snapshotFile: name };
    for (const damaged of [bytes.subarray(0, bytes.length - 1), bytes.subarray(0, 20), Buffer.concat([bytes, Buffer.from('x')])]) {
      writeFileSync(file, damaged);
      assert.equal(loadSnapshot(folder, ref, 'B'), undefined);
    }
  });

  it('is not used when a byte changed but not its length: a key, a count in the header', () => {
    const original = indexOf([{ key: 'CUST-1', raw: 'cust-1', line: 2 }, { key: 'CUST-2', raw: 'CUST-2', line: 3 }]);
    const { file: name } = writeSnapshot(folder, { index: original, rows: 2, badRows: [] }, 'changed byte');
    const file = path.join(folder, name);
    const bytes = readFileSync(file);
    const ref = { system: 'B', runId: 'r', file: 'B.csv', fingerprint: 'f', keyCount: 2, snapshotFile: name };
    assert.ok(loadSnapshot(folder, ref, 'B') && snapshotOutline(folder, ref, 'B'), 'as written, it loads');
    const changed = (from: string, to: string) => {
      const at = bytes.lastIndexOf(from);
      assert.ok(at > 0, from);
      const copy = Buffer.from(bytes);
      copy.write(to, at, 'latin1');
      writeFileSync(file, copy);
    };
    changed('CUST-2', 'CUST-3');
    assert.equal(loadSnapshot(folder, ref, 'B'), undefined, 'a key of the text');
    assert.ok(snapshotOutline(folder, ref, 'B'), 'the header alone is still sound');
    changed('"rows":2', '"rows":3');
    assert.equal(snapshotOutline(folder, ref, 'B'), undefined, 'a count of the header');
    assert.equal(loadSnapshot(folder, ref, 'B'), undefined);
  });

  it('is not used when written in an earlier format: the source is read again', () => {
    const { original } = roundTrip(folder, [{ key: 'K', raw: 'k', line: 2 }]);
    const { file: name } = writeSnapshot(folder, { index: original, rows: 1, badRows: [] }, 'old');
    const file = path.join(folder, name);
    const bytes = readFileSync(file);
    bytes.write('KSNAP3', 0, 'latin1');
    writeFileSync(file, bytes);
    assert.equal(loadSnapshot(folder, { system: 'B', runId: 'r', file: 'B.csv', fingerprint: 'f', keyCount: 1, snapshotFile: name }, 'B'), undefined);
  });

  it('keeps the keys digest it was written with, and gives none for a header whose digest is of another shape', () => {
    const { original } = roundTrip(folder, [{ key: 'K', raw: 'k', line: 2 }]);
    const ref = (snapshotFile: string) => ({ system: 'B', runId: 'r', file: 'B.csv', fingerprint: 'f', keyCount: 1, snapshotFile });
    const keysDigest = { digest: 'ab'.repeat(32), checkpoints: ['cd'.repeat(32)] };
    const { file: written } = writeSnapshot(folder, { index: original, rows: 1, badRows: [], keysDigest }, 'with digest');
    assert.deepEqual(snapshotKeysDigest(folder, ref(written)), keysDigest);
    // An earlier build of this version wrote the digest as a bare string.
    const { file: bare } = writeSnapshot(folder, { index: original, rows: 1, badRows: [], keysDigest: 'ab'.repeat(32) as unknown as KeysDigest }, 'bare digest');
    assert.equal(snapshotKeysDigest(folder, ref(bare)), undefined);
    const { file: none } = writeSnapshot(folder, { index: original, rows: 1, badRows: [] }, 'no digest');
    assert.equal(snapshotKeysDigest(folder, ref(none)), undefined);
  });

  it('names each written content once: loading gives its id, writing the same index again gives another', () => {
    const { original } = roundTrip(folder, [{ key: 'K', raw: 'k', line: 2 }]);
    const ref = (snapshotFile: string) => ({ system: 'B', runId: 'r', file: 'B.csv', fingerprint: 'f', keyCount: 1, snapshotFile });
    const first = writeSnapshot(folder, { index: original, rows: 1, badRows: [] }, 'first');
    const second = writeSnapshot(folder, { index: original, rows: 1, badRows: [] }, 'second');
    assert.match(first.contentId, /^[0-9a-f-]{36}$/);
    assert.notEqual(first.contentId, second.contentId);
    assert.equal(loadSnapshot(folder, ref(first.file), 'B')?.contentId, first.contentId);
    assert.equal(loadSnapshot(folder, ref(second.file), 'B')?.contentId, second.contentId);
  });
});
