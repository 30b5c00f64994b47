/**
 * The raw keys and rule sets every engine's normalisation parity test uses (docs/decisions.md
 * §20, §21): over 100,000 generated raw keys — every documented case, Unicode letters and
 * spaces, combining marks, full-width and ligature forms, long digit runs, leading zeros, runs
 * of delimiters, keys that normalise to nothing, over-long keys — and eight rule sets,
 * including non-ASCII and SQL-quoting delimiters.
 */
import { DEFAULT_NORMALIZE_RULES, type NormalizeRules } from '../../src/core/normalize.js';

/** docs/behaviour.md §3's examples and fix cases, verbatim. */
const DOCUMENTED = [
  '  cust-123  ', 'PROD__ABC__789', 'txn 2024 001', 'ORD#999999', 'x.12.y', 'K-1!@#$%', 'A--B__C', 'a  b_c', 'MÜLLER-1',
  'MU\u0308LLER-1', 'ＡＢＣ１２３', '  cust__0001234!@#', 'straße', '!#', '-A-', '__a__', '!-a', 'a_!', 'A -!- B', 'A-!@#-B', 'a \t_-_ \tb',
];

/** Pieces a key is built from: every class of character the steps treat differently. */
const PIECES = [
  ...'abcxyzABCXYZ0123456789', '007', '000000', '1234567890123', '9'.repeat(40), ' ', '  ', '\t', '\v', '\f', '\r', '\n', '_', '-', '--', '__', '.', '/', '\\', "'", '"',
  ...'!@#$%^&*()[]{}|;:,<>?~`+=', 'ß', 'Ü', 'é', 'e\u0301', 'ﬀ', 'Ａ', '１', 'ı', 'ǰ', 'Σ', 'ς', 'ŉ', 'Ω', 'ä', 'Ⅻ', '²', '①', '東京', 'Ж', 'ﾊﾟ',
  '\u00a0', '\u2003', '\u3000', '\ufeff', '\u1680', '\u2028', '\u202f', '\u0085', '\u0308', '\ufffd', '·', '§', '😀',
];

/** (No key holds a NUL: DuckDB's appender cannot carry one and PostgreSQL text cannot hold one; DuckDB's start-up probe has one.) */

/** A deterministic generator (xorshift32): the same keys on every run, so a failure reproduces. */
export function generateKeys(count: number): string[] {
  let state = 0x9e3779b9;
  const next = (below: number) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % below;
  };
  const keys = [...DOCUMENTED, '', ' ', '\t \u3000', 'x'.repeat(1024), 'x'.repeat(1025), 'é'.repeat(1025)];
  const ascii = PIECES.filter((piece) => /^[\x00-\x7f]+$/.test(piece));
  while (keys.length < count) {
    // Every other key from ASCII pieces only: those take the SQL path, the rest the Unicode side table.
    const pieces = keys.length % 2 ? PIECES : ascii;
    const length = next(14);
    let key = '';
    for (let i = 0; i < length; i++) key += pieces[next(pieces.length)];
    keys.push(key);
  }
  return keys;
}

export const RULE_SETS: ReadonlyArray<readonly [string, NormalizeRules]> = [
  ['the defaults', DEFAULT_NORMALIZE_RULES],
  ['every step, pad_length 6', { ...DEFAULT_NORMALIZE_RULES, left_pad_numbers: true, pad_length: 6 }],
  ['no collapsing, padding 4', { ...DEFAULT_NORMALIZE_RULES, collapse_delims: '', left_pad_numbers: true, pad_length: 4 }],
  ['no stripping, "." as delimiter', { ...DEFAULT_NORMALIZE_RULES, strip_non_alnum: false, collapse_delims: '.', left_pad_numbers: true, pad_length: 8 }],
  ['nothing but step 0', { trim_whitespace: false, uppercase: false, collapse_delims: '', strip_non_alnum: false, left_pad_numbers: false, pad_length: 6 }],
  ['"\\" as delimiter', { ...DEFAULT_NORMALIZE_RULES, collapse_delims: '\\', left_pad_numbers: true, pad_length: 3 }],
  ['"\'" as delimiter, no upper case', { ...DEFAULT_NORMALIZE_RULES, collapse_delims: "'", uppercase: false }],
  ['"·" (not ASCII) as delimiter', { ...DEFAULT_NORMALIZE_RULES, collapse_delims: '·', left_pad_numbers: true, pad_length: 6 }],
];
