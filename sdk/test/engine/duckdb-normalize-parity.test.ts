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
import { generateKeys, RULE_SETS } from '../helpers/normalize-cases.js';
import { asciiNormalizeSql, DUCKDB_SQL } from '../../src/core/normalize-sql.js';
import { expectedKey } from '../../src/core/raw-key.js';
import { normalizeTable, probeNormalization } from '../../src/sources/duckdb/duckdb-normalize.js';
import { openDuckDb, textOut, type DuckDbSession } from '../../src/sources/duckdb/duckdb-session.js';

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
    const original = asciiNormalizeSql(broken, 'raw', DUCKDB_SQL);
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
