import assert from 'node:assert/strict';
import { normalizeKey } from '../../src/core/normalize.js';
import { familyOf, KEY_FAMILIES } from '../../src/mock/key-families.js';
import { VARIANTS } from '../../src/mock/rows.js';

describe('mock key families (the earlier tool\'s CUST-, PROD_, TXN, ORD#)', () => {
  const ids = Array.from({ length: 2000 }, (_, index) => index * 7919 + 1);

  it('every dirty form of every family normalises back to its clean key under the default rules', () => {
    for (const id of ids) {
      const family = familyOf(id);
      const clean = family.format(id, 7);
      const key = normalizeKey(clean);
      for (const [, variant] of VARIANTS) {
        const dirty = variant(clean, family);
        assert.notEqual(dirty, clean, `${family.name}: a dirty form differs from the clean key`);
        assert.equal(normalizeKey(dirty), key, `${JSON.stringify(dirty)} → ${key}`);
      }
    }
  });

  it('gives distinct ids distinct keys, in four families with their own formats', () => {
    const keys = new Set(ids.map((id) => normalizeKey(familyOf(id).format(id, 7))));
    assert.equal(keys.size, ids.length);
    assert.deepEqual(
      KEY_FAMILIES.map((family) => [family.name, normalizeKey(family.example)]),
      [
        ['CUST', 'CUST-0001234'],
        ['PROD', 'PROD-ABC-0000789'],
        ['TXN', 'TXN-2024-0000001'],
        ['ORD', 'ORD0999999'],
      ],
    );
    assert.deepEqual([1, 2, 3, 4].map((id) => familyOf(id).format(id, 7)), ['PROD_BAA_0000001', 'TXN 2022 0000002', 'ORD#0000003', 'CUST-0000004']);
  });
});
