import assert from 'node:assert/strict';
import fc from 'fast-check';
import { hasSortedKey, inKeyOrder, sortedByKey, textOrder } from '../../src/core/text-order.js';

/** The order textOrder must give, worked out plainly: by `<` on the texts, equal texts by index. */
function expected(texts: readonly string[]): number[] {
  return texts.map((_, i) => i).sort((i, j) => (texts[i]! < texts[j]! ? -1 : texts[i]! > texts[j]! ? 1 : i - j));
}

describe('textOrder: texts sorted by UTF-16 code unit, equal texts by index', () => {
  // Few letters, so that texts share long prefixes and repeat; code units below and above the
  // Latin-1 range, and lone halves of surrogate pairs, which `<` orders by code unit too.
  const textArb = fc.array(fc.constantFrom('A', 'B', '-', '0', '9', 'é', 'ß', '\u{1F600}', '\uD800', '\uFFFF', 'Ω'), { maxLength: 8 }).map((parts) => parts.join(''));

  it('matches Array.prototype.sort on random texts, short lists and long ones', () => {
    fc.assert(
      fc.property(fc.array(textArb, { maxLength: 400, size: 'max' }), (texts) => {
        assert.deepStrictEqual([...textOrder(texts)], expected(texts));
      }),
      { numRuns: 300 },
    );
  });

  it('orders a prefix before the texts it begins, and the empty text first', () => {
    const texts = ['AB', '', 'A', 'ABC', 'A', 'B', ''];
    assert.deepStrictEqual([...textOrder(texts)], [1, 6, 2, 4, 0, 3, 5]);
  });

  it('sorts 50,000 keys of shared prefixes and numbered suffixes as Array.prototype.sort does', () => {
    const texts = Array.from({ length: 50_000 }, (_, i) => `${['CUST-', 'TXN-2024-', 'ACC'][i % 3]}${String((i * 7919) % 100_003).padStart(7, '0')}`);
    texts.push(...texts.slice(0, 1000));
    assert.deepStrictEqual([...textOrder(texts)], expected(texts));
  });

  it('gives an empty order for no texts', () => {
    assert.deepStrictEqual([...textOrder([])], []);
  });
});

describe('hasSortedKey: membership in a list sorted by sortedByKey', () => {
  const textArb = fc.array(fc.constantFrom('A', 'B', '-', '0', 'é', '\u{1F600}', '\uD800', '\uFFFF'), { maxLength: 6 }).map((parts) => parts.join(''));

  it('finds exactly the keys the list holds, whatever their code units', () => {
    fc.assert(
      fc.property(fc.uniqueArray(textArb, { maxLength: 200 }), fc.array(textArb, { maxLength: 50 }), (keys, asked) => {
        const list = sortedByKey(keys.map((key) => ({ key })));
        for (const key of [...keys, ...asked]) assert.equal(hasSortedKey(list, key), keys.includes(key), JSON.stringify(key));
      }),
      { numRuns: 300 },
    );
  });

  it('finds nothing in an empty list', () => {
    assert.equal(hasSortedKey([], ''), false);
  });
});

describe('inKeyOrder: entries as sortedByKey orders them, sorted only when they are not already', () => {
  const keyArb = fc.array(fc.constantFrom('A', '0', '-', 'é', '\uE000', '\uFFFF', '\u{1F600}'), { maxLength: 4 }).map((parts) => parts.join(''));
  const byBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

  it("gives sortedByKey's order for keys in byte order (a database's ORDER BY), in any order, and with keys repeated", () => {
    fc.assert(
      fc.property(fc.array(keyArb, { maxLength: 60 }), fc.boolean(), (keys, bytes) => {
        const entries = (bytes ? [...keys].sort(byBytes) : keys).map((key, line) => ({ key, line }));
        assert.deepStrictEqual(inKeyOrder([...entries]), sortedByKey(entries));
      }),
      { numRuns: 300 },
    );
  });

  it('hands back the list itself when it is in order already, copying nothing', () => {
    const entries = ['A-1', 'A-2', 'B'].map((key) => ({ key }));
    assert.equal(inKeyOrder(entries), entries);
    const disordered = [{ key: 'X\uFFFF' }, { key: 'X\u{1F600}' }];
    assert.deepStrictEqual(inKeyOrder(disordered).map(({ key }) => key), ['X\u{1F600}', 'X\uFFFF']);
  });
});
