import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  compileNormalizer,
  DEFAULT_NORMALIZE_RULES,
  normalizeKey,
  referenceNormalizer,
  type NormalizeRules,
} from '../../src/core/normalize.js';

/** All five steps on, pad_length 6: the setting docs/behaviour.md §3's examples use. */
const ALL_ON: Partial<NormalizeRules> = { left_pad_numbers: true, pad_length: 6 };

describe('normalizeKey (docs/behaviour.md §3)', () => {
  describe('the examples of docs/behaviour.md §3, all steps on, pad_length 6', () => {
    const examples: ReadonlyArray<readonly [string, string]> = [
      ['  cust-123  ', 'CUST-000123'],
      ['PROD__ABC__789', 'PROD-ABC-000789'],
      ['txn 2024 001', 'TXN-002024-000001'],
      ['ORD#999999', 'ORD999999'],
      ['x.12.y', 'X12Y'],
      ['K-1!@#$%', 'K-000001'],
    ];
    for (const [raw, expected] of examples) {
      it(`${JSON.stringify(raw)} → ${JSON.stringify(expected)}`, () => {
        assert.strictEqual(normalizeKey(raw, ALL_ON), expected);
      });
    }
  });

  describe('fixes over KeySync Mini (docs/behaviour.md §3)', () => {
    it('collapses mixed runs of _ and - into one delimiter (fix): A--B__C → A-B-C', () => {
      assert.strictEqual(normalizeKey('A--B__C'), 'A-B-C');
    });
    it('collapses runs of spaces mixed with _ into one delimiter (fix): a  b_c → A-B-C', () => {
      assert.strictEqual(normalizeKey('a  b_c'), 'A-B-C');
    });
    it('collapses a run that mixes tabs, spaces, _ and - into one delimiter', () => {
      assert.strictEqual(normalizeKey('a \t_-_ \tb'), 'A-B');
    });
    it('keeps lower-case ASCII letters when uppercase is off (fix)', () => {
      assert.strictEqual(normalizeKey('cust-abc_9', { uppercase: false }), 'cust-abc-9');
    });
    it('collapses delimiters that stripping brings together (fix): A -!- B → A-B', () => {
      assert.strictEqual(normalizeKey('A -!- B'), 'A-B');
      assert.strictEqual(normalizeKey('A-!@#-B'), 'A-B');
    });
    it('keeps a delimiter at either end of the key', () => {
      assert.strictEqual(normalizeKey('-A-'), '-A-');
      assert.strictEqual(normalizeKey('__a__'), '-A-');
      assert.strictEqual(normalizeKey('!-a'), '-A');
      assert.strictEqual(normalizeKey('a_!'), 'A-');
    });
  });

  describe('Unicode', () => {
    it('upper-cases Unicode-aware before stripping: straße → STRASSE', () => {
      assert.strictEqual(normalizeKey('straße'), 'STRASSE');
    });
    it('trims non-ASCII whitespace (NBSP, em space, ideographic space) at both ends', () => {
      assert.strictEqual(normalizeKey('\u00a0\u2003cust-1\u3000'), 'CUST-1');
    });
    it('treats non-ASCII whitespace inside the key as a delimiter run', () => {
      assert.strictEqual(normalizeKey('a\u00a0\u3000b'), 'A-B');
    });
    it('turns leading non-ASCII whitespace into a delimiter when trimming is off', () => {
      assert.strictEqual(normalizeKey('\u00a0ab', { trim_whitespace: false }), '-AB');
    });
    it('folds full-width letters and digits to ASCII (NFKD): ＡＢＣ１２３ → ABC123', () => {
      assert.strictEqual(normalizeKey('ＡＢＣ１２３'), 'ABC123');
      assert.strictEqual(normalizeKey('ab-ｃ１'), 'AB-C1');
      assert.strictEqual(normalizeKey('ａｂｃ１', { strip_non_alnum: false }), 'ABC1');
    });
    it('drops accents instead of letters: café → CAFE, MÜLLER-1 → MULLER-1', () => {
      assert.strictEqual(normalizeKey('café'), 'CAFE');
      assert.strictEqual(normalizeKey('MÜLLER-1'), 'MULLER-1');
    });
    it('gives one key whatever the Unicode form (NFC, NFD, NFKC) of the same text', () => {
      for (const text of ['MÜLLER-1', 'CAFÉ-1', 'Ångström 7', 'ǰ-ﬀ-①', 'ｐｒｏｄ－４２']) {
        const forms = (['NFC', 'NFD', 'NFKC', 'NFKD'] as const).map((form) => normalizeKey(text.normalize(form)));
        assert.deepStrictEqual(new Set(forms).size, 1, `${text}: ${forms.join(' / ')}`);
        const unstripped = (['NFC', 'NFD'] as const).map((form) => normalizeKey(text.normalize(form), { strip_non_alnum: false }));
        assert.strictEqual(unstripped[0], unstripped[1], text);
      }
      assert.strictEqual(normalizeKey('MU\u0308LLER-1'), 'MULLER-1');
      assert.strictEqual(normalizeKey('CAFE\u0301-1'), 'CAFE-1');
      assert.strictEqual(normalizeKey('ｐｒｏｄ－４２', ALL_ON), 'PROD-000042');
    });
    it('keeps letters of other scripts (without their marks) when stripping is off', () => {
      assert.strictEqual(normalizeKey('κλειδί-1', { strip_non_alnum: false }), 'ΚΛΕΙΔΙ-1');
    });
  });

  describe('each rule turned off on its own (others as ALL_ON)', () => {
    it('trim_whitespace off: surrounding spaces become delimiters', () => {
      assert.strictEqual(normalizeKey('  cust-123  ', { ...ALL_ON, trim_whitespace: false }), '-CUST-000123-');
    });
    it('uppercase off: letters keep their case', () => {
      assert.strictEqual(normalizeKey('  cust-123  ', { ...ALL_ON, uppercase: false }), 'cust-000123');
    });
    it('collapse_delims "" off: _ - and spaces are stripped, not collapsed', () => {
      assert.strictEqual(normalizeKey('PROD__ABC__789', { ...ALL_ON, collapse_delims: '' }), 'PRODABC789');
      assert.strictEqual(normalizeKey('txn 2024 001', { ...ALL_ON, collapse_delims: '' }), 'TXN2024001');
    });
    it('collapse_delims "" off: a key of digits only is still padded as a whole', () => {
      assert.strictEqual(normalizeKey('12', { ...ALL_ON, collapse_delims: '' }), '000012');
    });
    it('strip_non_alnum off: punctuation survives and blocks padding of the digits it touches', () => {
      assert.strictEqual(normalizeKey('ORD#999999', { ...ALL_ON, strip_non_alnum: false }), 'ORD#999999');
      assert.strictEqual(normalizeKey('x.12.y', { ...ALL_ON, strip_non_alnum: false }), 'X.12.Y');
      assert.strictEqual(normalizeKey('K-1!@#$%', { ...ALL_ON, strip_non_alnum: false }), 'K-1!@#$%');
    });
    it('left_pad_numbers off: digit runs stay as they are', () => {
      assert.strictEqual(normalizeKey('txn 2024 001', { ...ALL_ON, left_pad_numbers: false }), 'TXN-2024-001');
    });
    it('everything off: the key is returned unchanged', () => {
      const off: NormalizeRules = {
        trim_whitespace: false,
        uppercase: false,
        collapse_delims: '',
        strip_non_alnum: false,
        left_pad_numbers: false,
        pad_length: 6,
      };
      assert.strictEqual(normalizeKey(' a__b !', off), ' a__b !');
    });
    it('defaults are the docs/behaviour.md §1 defaults (padding off)', () => {
      assert.deepStrictEqual(DEFAULT_NORMALIZE_RULES, {
        trim_whitespace: true,
        uppercase: true,
        collapse_delims: '-',
        strip_non_alnum: true,
        left_pad_numbers: false,
        pad_length: 6,
      });
      assert.strictEqual(normalizeKey('  cust-123  '), 'CUST-123');
    });
  });

  describe('left_pad_numbers and pad_length', () => {
    it('pads to pad_length 3', () => {
      assert.strictEqual(normalizeKey('a-7', { left_pad_numbers: true, pad_length: 3 }), 'A-007');
    });
    it('leaves runs already as long as pad_length, or longer, untouched', () => {
      assert.strictEqual(normalizeKey('a-123456', ALL_ON), 'A-123456');
      assert.strictEqual(normalizeKey('a-1234567', ALL_ON), 'A-1234567');
      assert.strictEqual(normalizeKey('a-1234', { left_pad_numbers: true, pad_length: 3 }), 'A-1234');
    });
    it('pad_length 1 changes nothing', () => {
      assert.strictEqual(normalizeKey('a-7-0', { left_pad_numbers: true, pad_length: 1 }), 'A-7-0');
    });
    it('pads a key that is only digits, and digit runs at either end', () => {
      assert.strictEqual(normalizeKey('42', ALL_ON), '000042');
      assert.strictEqual(normalizeKey('1_a_2', ALL_ON), '000001-A-000002');
      assert.strictEqual(normalizeKey('-42-', ALL_ON), '-000042-');
    });
    it('does not pad digits touching letters', () => {
      assert.strictEqual(normalizeKey('ab12-34', ALL_ON), 'AB12-000034');
      assert.strictEqual(normalizeKey('12ab', ALL_ON), '12AB');
      assert.strictEqual(normalizeKey('a1b', ALL_ON), 'A1B');
    });
    it('pads each run separately, also runs joined by stripping (ORD#9 → ORD9 touches letters)', () => {
      assert.strictEqual(normalizeKey('1 2 3', { left_pad_numbers: true, pad_length: 2 }), '01-02-03');
      assert.strictEqual(normalizeKey('ORD#9', ALL_ON), 'ORD9');
    });
  });

  describe('keys with nothing left become ""', () => {
    for (const raw of ['', '   ', '\t\u00a0', '---', '_-_ _', '!!!', '#', '-!-']) {
      it(`${JSON.stringify(raw)} → ""`, () => {
        assert.strictEqual(normalizeKey(raw, ALL_ON), '');
      });
    }
    it('only delimiters with strip_non_alnum off is still ""', () => {
      assert.strictEqual(normalizeKey(' - _ ', { strip_non_alnum: false, trim_whitespace: false }), '');
    });
    it('punctuation with no letter or digit is "" whatever the rules, stripping off too', () => {
      const off = { strip_non_alnum: false, collapse_delims: '' };
      for (const raw of ['!#', ' !# ', '(*)', '«»', '\u0301', '\u00b4']) {
        assert.strictEqual(normalizeKey(raw, { strip_non_alnum: false }), '', raw);
        assert.strictEqual(normalizeKey(raw, off), '', raw);
        assert.strictEqual(referenceNormalizer({ ...DEFAULT_NORMALIZE_RULES, ...off })(raw), '', raw);
      }
      assert.strictEqual(normalizeKey('#1', { strip_non_alnum: false }), '#1');
      assert.strictEqual(normalizeKey('(Ω)', { strip_non_alnum: false }), '(Ω)');
    });
    it('only the custom delimiter is ""', () => {
      assert.strictEqual(normalizeKey('...', { collapse_delims: '.' }), '');
    });
  });

  describe('a custom delimiter', () => {
    it('"." replaces runs of whitespace, _ and -', () => {
      assert.strictEqual(normalizeKey('a b_c-d', { collapse_delims: '.' }), 'A.B.C.D');
    });
    it('"." joins with neighbouring _ and - into one delimiter', () => {
      assert.strictEqual(normalizeKey('a..b-.-c', { collapse_delims: '.' }), 'A.B.C');
    });
    it('"." keeps other punctuation stripped, and pads between dots', () => {
      assert.strictEqual(normalizeKey('txn 2024#1', { ...ALL_ON, collapse_delims: '.' }), 'TXN.020241');
      assert.strictEqual(normalizeKey('txn 2024 1', { ...ALL_ON, collapse_delims: '.' }), 'TXN.002024.000001');
    });
    it('a non-ASCII delimiter "·" works (Unicode fallback path)', () => {
      assert.strictEqual(normalizeKey('a b__1', { ...ALL_ON, collapse_delims: '·' }), 'A·B·000001');
    });
  });
});

/** Delimiters the config schema accepts (one punctuation character, or ""). */
const delimiterArb = fc.constantFrom('-', '.', '#', '/', '+', '|', '~', '·', '');
const rulesArb: fc.Arbitrary<NormalizeRules> = fc.record({
  trim_whitespace: fc.boolean(),
  uppercase: fc.boolean(),
  collapse_delims: delimiterArb,
  strip_non_alnum: fc.boolean(),
  left_pad_numbers: fc.boolean(),
  pad_length: fc.integer({ min: 1, max: 10 }),
});
const asciiHeavy = fc.string({
  unit: fc.constantFrom(' ', '  ', '_', '-', '.', '#', '\t', '0', '1', '7', '9', 'a', 'z', 'B', 'K', '!', '/', '~', '|', '+'),
  maxLength: 24,
});
const unicodeMix = fc.string({
  unit: fc.oneof(
    fc.constantFrom('ß', 'é', 'e\u0301', '\u0308', 'Ü', 'ı', 'ſ', 'ﬀ', 'ǰ', 'Ａ', '１', '①', '\u00a0', '\u2003', '\u3000', '\ufeff', '·', '-', ' ', 'a', '3'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 16,
});
const keyArb = fc.oneof(asciiHeavy, unicodeMix, fc.string({ unit: 'binary', maxLength: 16 }), fc.string({ unit: 'grapheme', maxLength: 8 }));

describe('normalisation properties (docs/behaviour.md §3: pure, deterministic)', () => {
  it('compileNormalizer (ASCII fast path + fallback) equals referenceNormalizer for any rules and key', () => {
    fc.assert(
      fc.property(rulesArb, keyArb, (rules, raw) => {
        assert.strictEqual(compileNormalizer(rules)(raw), referenceNormalizer(rules)(raw));
      }),
      { numRuns: 3000 },
    );
  });

  it('is idempotent: normalize(normalize(x)) === normalize(x) for any rules and key', () => {
    fc.assert(
      fc.property(rulesArb, keyArb, (rules, raw) => {
        const normalize = compileNormalizer(rules);
        const once = normalize(raw);
        assert.strictEqual(normalize(once), once);
      }),
      { numRuns: 3000 },
    );
  });

  it('never leaves anything but ASCII letters, digits and D when stripping is on', () => {
    fc.assert(
      fc.property(rulesArb, keyArb, (rules, raw) => {
        const key = compileNormalizer({ ...rules, strip_non_alnum: true })(raw);
        const allowed = new Set([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', rules.collapse_delims]);
        assert.deepStrictEqual([...key].filter((char) => !allowed.has(char)), []);
      }),
      { numRuns: 1000 },
    );
  });
});
