/**
 * Normalisation parity (docs/decisions.md §20): over 100,000 generated raw keys go through real
 * DuckDB (the engine's own path: SQL for ASCII keys, the Unicode side table for the rest) and
 * through normalizeKey with the row policy's checks, under several rule sets, and every key
 * must come out the same — a bad row on one side is a bad row on the other.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compileNormalizer, DEFAULT_NORMALIZE_RULES, type NormalizeRules } from '../../src/core/normalize.js';
import { asciiNormalizeSql } from '../../src/core/normalize-sql.js';
import { expectedKey, normalizeTable, probeNormalization } from '../../src/sources/duckdb/duckdb-normalize.js';
import { openDuckDb, textOut, type DuckDbSession } from '../../src/sources/duckdb/duckdb-session.js';

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

/** (A NUL is probed by the start-up probe: DuckDB's appender cannot carry one.) */

/** A deterministic generator (xorshift32): the same keys on every run, so a failure reproduces. */
function generateKeys(count: number): string[] {
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

const RULE_SETS: ReadonlyArray<readonly [string, NormalizeRules]> = [
  ['the defaults', DEFAULT_NORMALIZE_RULES],
  ['every step, pad_length 6', { ...DEFAULT_NORMALIZE_RULES, left_pad_numbers: true, pad_length: 6 }],
  ['no collapsing, padding 4', { ...DEFAULT_NORMALIZE_RULES, collapse_delims: '', left_pad_numbers: true, pad_length: 4 }],
  ['no stripping, "." as delimiter', { ...DEFAULT_NORMALIZE_RULES, strip_non_alnum: false, collapse_delims: '.', left_pad_numbers: true, pad_length: 8 }],
  ['nothing but step 0', { trim_whitespace: false, uppercase: false, collapse_delims: '', strip_non_alnum: false, left_pad_numbers: false, pad_length: 6 }],
  ['"\\" as delimiter', { ...DEFAULT_NORMALIZE_RULES, collapse_delims: '\\', left_pad_numbers: true, pad_length: 3 }],
  ['"\'" as delimiter, no upper case', { ...DEFAULT_NORMALIZE_RULES, collapse_delims: "'", uppercase: false }],
  ['"·" (not ASCII) as delimiter', { ...DEFAULT_NORMALIZE_RULES, collapse_delims: '·', left_pad_numbers: true, pad_length: 6 }],
];

describe('DuckDB normalisation parity with normalizeKey (docs/decisions.md §20)', function () {
  this.timeout(300_000);
  const keys = generateKeys(130_000);
  let session: DuckDbSession;

  before(async () => {
    session = await openDuckDb({ memoryLimit: '1GB', tempDirectory: path.join(mkdtempSync(path.join(os.tmpdir(), 'keysync-duckdb-')), 'spill') });
  });
  after(() => session?.close());

  it('generates over 100,000 distinct raw keys, Unicode and ASCII alike', () => {
    assert.ok(new Set(keys).size > 100_000);
    const unicode = new Set(keys.filter((key) => /[^\x00-\x7f]/.test(key))).size;
    assert.ok(unicode > 40_000 && new Set(keys).size - unicode > 40_000);
  });

  for (const [name, rules] of RULE_SETS) {
    it(`gives normalizeKey's key for every raw key under ${name}`, async () => {
      await probeNormalization(session, rules);
      await session.run('DROP TABLE IF EXISTS parity');
      await session.run('CREATE TABLE parity (raw VARCHAR)');
      await session.append('parity', keys.map((key) => [key]));
      await normalizeTable(session, 'parity', rules);
      const normalize = compileNormalizer(rules);
      const got = new Map<string, string | null>();
      await session.stream(`SELECT ${textOut('raw')}, ${textOut('key')} FROM parity`, (rows) => {
        for (const [raw, key] of rows) got.set(raw as string, key as string | null);
      });
      const lost = [...new Set(keys)].filter((raw) => !got.has(raw));
      assert.deepEqual(lost.slice(0, 5).map((raw) => JSON.stringify(raw)), []);
      const differences = keys.filter((raw) => got.get(raw) !== expectedKey(raw, normalize));
      assert.deepEqual(
        differences.slice(0, 10).map((raw) => ({ raw, duckdb: got.get(raw), normalizeKey: expectedKey(raw, normalize) })),
        [],
      );
    });
  }

  it('refuses pushdown, naming the rule and the engine, when DuckDB would differ', async () => {
    // DuckDB's own upper() keeps ß as ẞ where JavaScript gives SS: the kind of difference the probe exists for.
    const [[upper]] = (await session.all("SELECT upper('straße')")) as [[string]];
    assert.notEqual(upper, 'straße'.toUpperCase());
    const broken = { ...DEFAULT_NORMALIZE_RULES, uppercase: true };
    const original = asciiNormalizeSql(broken, 'raw');
    assert.ok(original.includes('upper('));
    await assert.rejects(probeWith(session, broken, (sql) => sql.replaceAll('upper(', 'lower(')), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ENGINE_REFUSED');
      assert.match(error.message, /^DuckDB v[\d.]+ normalises .* \(rule uppercase\)/);
      return true;
    });
  });
});

/** The probe over a deliberately altered SQL, as a DuckDB build that upper-cased differently would give it. */
async function probeWith(session: DuckDbSession, rules: NormalizeRules, alter: (sql: string) => string): Promise<void> {
  const altered: DuckDbSession = { ...session, all: (sql) => session.all(alter(sql)) };
  await probeNormalization(altered, rules);
}
