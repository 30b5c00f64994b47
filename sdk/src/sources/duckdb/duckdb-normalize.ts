/**
 * Normalisation inside DuckDB (docs/decisions.md §20): ASCII raw keys by
 * the SQL of core/normalize-sql.ts, every other raw key by `normalizeKey` itself, once per
 * distinct raw key, joined back from a temp table. Before any of it, a probe checks that this
 * DuckDB build gives `normalizeKey`'s result for every probe case of every rule; a difference
 * refuses pushdown, naming the rule and the engine, so keys never differ silently.
 */
import { compileNormalizer, type NormalizeRules } from '../../core/normalize.js';
import { asciiNormalizeSql, DUCKDB_SQL, NORMALIZE_PROBES, probeRuleSets, sqlString } from '../../core/normalize-sql.js';
import { expectedKey } from '../../core/raw-key.js';
import { KeySyncError } from '../../errors.js';
import type { DuckDbSession } from './duckdb-session.js';
import { createUnicodeTableSql, keyRowsSql, tablesOf, unicodeRawsSql } from './engine-sql.js';

/**
 * Refuses pushdown when DuckDB's result for a probe case differs from normalizeKey's: every
 * probe case under each rule alone, then under the config's rules, so the message names the rule.
 */
export async function probeNormalization(session: DuckDbSession, rules: NormalizeRules): Promise<void> {
  const values = NORMALIZE_PROBES.map((probe, index) => `(${index}, ${sqlString(probe.raw)})`).join(', ');
  const [version] = (await session.all('SELECT version()'))[0]!;
  for (const ruleSet of probeRuleSets(rules)) {
    const normalize = compileNormalizer(ruleSet.rules);
    const rows = await session.all(`SELECT id, ${asciiNormalizeSql(ruleSet.rules, 'raw', DUCKDB_SQL)} FROM (VALUES ${values}) AS probe(id, raw) ORDER BY id`);
    for (const [id, got] of rows) {
      const { raw } = NORMALIZE_PROBES[Number(id)]!;
      const want = expectedKey(raw, normalize);
      if (got === want) continue;
      throw new KeySyncError(
        'ENGINE_REFUSED',
        'config',
        `DuckDB ${String(version)} normalises ${JSON.stringify(raw)} to ${JSON.stringify(got)} where KeySync gives ${JSON.stringify(want)} ` +
          `(rule ${ruleSet.name}), so keys could differ between the engines: the duckdb engine refuses to run.`,
        { remedy: 'set processing.engine: node, or use the DuckDB version KeySync is tested with (its package.json)' },
      );
    }
  }
}

/**
 * Adds a `key` column to `table` (which has a text column `raw`): the normalised key, NULL for
 * a raw key that is a bad row (the row policy words it when the row comes back).
 */
export async function normalizeTable(session: DuckDbSession, table: string, rules: NormalizeRules): Promise<void> {
  const normalize = compileNormalizer(rules);
  const { unicode } = tablesOf(table);
  await session.run(createUnicodeTableSql(table));
  await session.stream(unicodeRawsSql(table), (rows) => session.append(unicode, rows.map(([raw]) => [raw as string, expectedKey(raw as string, normalize) ?? ''])));
  for (const sql of keyRowsSql(table, rules)) await session.run(sql);
}
