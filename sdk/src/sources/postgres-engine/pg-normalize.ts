/**
 * Normalisation inside PostgreSQL (docs/decisions.md §21): ASCII raw keys by the SQL of
 * core/normalize-sql.ts in the PostgreSQL dialect, every other raw key by `normalizeKey`
 * itself, once per distinct raw key, handed back as array parameters. Before any of it, a
 * probe checks on the server that the SQL gives `normalizeKey`'s result for every probe case
 * of every rule, under the "C" collation the engine compares in; a difference refuses
 * pushdown naming the rule and the server, so keys never differ silently.
 */
import { compileNormalizer, type NormalizeRules } from '../../core/normalize.js';
import { asciiNormalizeSql, NORMALIZE_PROBES, POSTGRES_SQL, probeRuleSets } from '../../core/normalize-sql.js';
import { expectedKey } from '../../core/raw-key.js';
import { KeySyncError } from '../../errors.js';
import type { PgEngineSession } from './pg-engine-session.js';

/** The probe cases PostgreSQL text can hold (none holds a NUL). */
export const POSTGRES_PROBES = NORMALIZE_PROBES.filter((probe) => !probe.raw.includes('\0'));

/** The probe's statement for one rule set: each case's key by the engine's SQL, `$1` the raw keys. */
export const probeSql = (rules: NormalizeRules) =>
  `SELECT p.n::text, ${asciiNormalizeSql(rules, 'p.raw', POSTGRES_SQL)} FROM unnest($1::text[]) WITH ORDINALITY AS p0(raw0, n), LATERAL (SELECT p0.raw0 COLLATE "C" AS raw, p0.n) p ORDER BY p.n`;

/**
 * Refuses pushdown when PostgreSQL's result for a probe case differs from normalizeKey's: every
 * probe case under each rule alone, then under the config's rules, so the message names the rule.
 */
export async function probeNormalization(session: Pick<PgEngineSession, 'all' | 'version'>, rules: NormalizeRules): Promise<void> {
  const raws = POSTGRES_PROBES.map((probe) => probe.raw);
  for (const ruleSet of probeRuleSets(rules)) {
    const normalize = compileNormalizer(ruleSet.rules);
    const rows = await session.all(probeSql(ruleSet.rules), [raws]);
    for (const [n, got] of rows) {
      const raw = raws[Number(n) - 1]!;
      const want = expectedKey(raw, normalize);
      if (got === want) continue;
      throw new KeySyncError(
        'ENGINE_REFUSED',
        'config',
        `${session.version} normalises ${JSON.stringify(raw)} to ${JSON.stringify(got)} where KeySync gives ${JSON.stringify(want)} ` +
          `(rule ${ruleSet.name}), so keys could differ between the engines: the postgres engine refuses to run.`,
        { remedy: 'set processing.engine: node (it reads the same tables), or report the server version to KeySync' },
      );
    }
  }
}

/** The normalised key of each distinct non-ASCII raw key ('' for a bad row), as the two arrays the engine's SQL takes. */
export function unicodeKeys(raws: Iterable<string>, rules: NormalizeRules): [string[], string[]] {
  const normalize = compileNormalizer(rules);
  const rawList = [...raws];
  return [rawList, rawList.map((raw) => expectedKey(raw, normalize) ?? '')];
}
