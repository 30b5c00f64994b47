/**
 * The postgres engine's read and compare (docs/behaviour.md §11, docs/decisions.md §21): every
 * source is a table or query in one PostgreSQL database, read where it lives. One READ ONLY
 * REPEATABLE READ session: a probe of the normalisation SQL, each source's row identity and
 * distinct non-ASCII raw keys (normalised here by normalizeKey), then the whole comparison as
 * one statement whose discrepancy rows stream back through a cursor. What comes back is what
 * the node engine's read and compare give the later stages; the registry stages' two questions
 * about the authority's keys are answered by further statements in the same snapshot. Nothing
 * is created on the server and the keys never gather in this process.
 */
import { addOutOfAuthoritySighting, type AuthorityKey, type Discrepancies, type DuplicateGroup, type OutOfAuthorityKey } from '../../core/compare.js';
import type { EngineStep } from '../../core/engine-step.js';
import { compileNormalizer, type NormalizeRules } from '../../core/normalize.js';
import { inKeyOrder } from '../../core/text-order.js';
import type { BadRow, CorruptDataPolicy, NormalizedKey, RowLocator, Sighting, SystemId } from '../../core/types.js';
import { KeySyncError, throwIfAborted } from '../../errors.js';
import type { Logger } from '../../log.js';
import { addToLast, rawOf, setAsideBadRow, settle, type PushdownComparison, type SourceScan, type SystemCounts } from '../pushdown/pushdown-read.js';
import { locatorExpressions, postgresRelation, rowLocator, type PostgresRelation, type RowIdentity } from '../postgres/postgres-source.js';
import { sourceFailure } from '../postgres/postgres-session.js';
import type { ConfiguredSource } from '../registry.js';
import { badRowError } from '../row-policy.js';
import { authorityHoldsSql, authorityKeysSql, compareSql, PART, unicodeRawsSql, type EngineSource } from './engine-sql.js';
import { isSourceError, openPgEngine, type PgEngineSession } from './pg-engine-session.js';
import { probeNormalization, unicodeKeys } from './pg-normalize.js';

export interface PostgresEngineOptions {
  readonly authority: SystemId;
  readonly rules: NormalizeRules;
  readonly onMissingFile: 'skip' | 'fail';
  readonly onCorruptData: CorruptDataPolicy;
  readonly logger: Logger;
  /** `processing.statement_timeout_seconds`; 0 for no limit. */
  readonly statementTimeoutS: number;
  readonly signal?: AbortSignal;
  /**
   * Called at each step: a source looked up and its non-ASCII raw keys normalised, then the
   * one statement that normalises and compares them all.
   */
  readonly onCompare?: (step: EngineStep) => void;
}

/** A source the engine reads: its relation, and once looked up, its row identity and SQL. */
interface EngineInput {
  readonly source: ConfiguredSource;
  readonly relation: PostgresRelation;
  identity?: RowIdentity;
  sql?: EngineSource;
  readonly unicode: Set<string>;
}

/** Why the postgres engine cannot read these sources (a short reason, and the whole refusal), or undefined when it can. */
export function postgresRefusal(sources: readonly ConfiguredSource[], authority: SystemId): { readonly reason: string; readonly error: KeySyncError } | undefined {
  const authoritySource = sources.find((source) => source.system === authority)!;
  const where = (relation: PostgresRelation) => {
    const { user, host, port, database } = relation.endpoint.target;
    return `${user ?? ''}@${host}:${port}/${database}`;
  };
  const home = postgresRelation(authoritySource.reader);
  for (const source of sources) {
    const relation = postgresRelation(source.reader);
    if (!relation) {
      return {
        reason: `source ${source.system} is of type ${source.config.type}`,
        error: new KeySyncError('ENGINE_REFUSED', 'config', `processing.engine is postgres, but source ${source.system} is of type ${source.config.type} (${source.location}): the postgres engine reads every source from one PostgreSQL database.`, {
          remedy: 'make every source a postgres table or query in one database, or set processing.engine: node (or duckdb)',
        }),
      };
    }
    if (home && where(relation) !== where(home)) {
      return {
        reason: `source ${source.system} is not in ${authority}'s database as its user`,
        error: new KeySyncError('ENGINE_REFUSED', 'config', `processing.engine is postgres, but source ${source.system} (${source.location}) is not in the authority's database and user (${authoritySource.location}): the postgres engine compares inside one database, as one user.`, {
          remedy: `read ${source.system} from the same server, database and user as ${authority}, or set processing.engine: node (or duckdb)`,
        }),
      };
    }
  }
  return undefined;
}

/**
 * Every source's relation, all in one database as one user; otherwise the postgres engine
 * refuses at start, naming the source and the remedy.
 */
export function postgresInputs(sources: readonly ConfiguredSource[], authority: SystemId): EngineInput[] {
  const refusal = postgresRefusal(sources, authority);
  if (refusal) throw refusal.error;
  return sources.map((source) => {
    const relation = postgresRelation(source.reader)!;
    if (relation.endpoint.configError) throw relation.endpoint.configError;
    return { source, relation, unicode: new Set<string>() };
  });
}

export async function compareWithPostgres(sources: readonly ConfiguredSource[], options: PostgresEngineOptions): Promise<PushdownComparison> {
  const inputs = postgresInputs(sources, options.authority);
  const authorityInput = inputs.find((input) => input.source.system === options.authority)!;
  const session = await openPgEngine(authorityInput.relation.endpoint, {
    connectTimeoutS: authorityInput.relation.connectTimeoutS,
    statementTimeoutS: options.statementTimeoutS,
    signal: options.signal,
  });
  try {
    await probeNormalization(session, options.rules);
    const scanned: SourceScan[] = [];
    // No rows are read here (the server counts them), so there is no per-source row progress.
    // One step per source looked up, one for the statement that compares them.
    const steps = inputs.length + 1;
    for (const [position, input] of inputs.entries()) {
      throwIfAborted(options.signal);
      options.onCompare?.({ step: 'normalise', system: input.source.system, done: position, total: steps });
      scanned.push(await lookUp(session, input, position, options));
    }
    // The authority is never left out (docs/behaviour.md §2): its failure is the run's.
    const authorityScan = scanned[inputs.indexOf(authorityInput)]!;
    if (!authorityScan.ok) throw authorityScan.error;
    const read = inputs.filter((_, position) => scanned[position]!.ok);
    options.onCompare?.({ step: 'compare', authority: options.authority, systems: read.length - 1, done: steps - 1, total: steps });
    const result = await compareInPostgres(session, inputs, read, options);
    for (const [position, input] of inputs.entries()) {
      const scan = scanned[position]!;
      if (scan.ok) scanned[position] = { ok: true, rows: result.rows.get(input.source.system)! };
    }
    if (options.onCorruptData === 'fail') {
      const first = read.map((input) => result.badRows.get(input.source.system)![0]).find((row) => row !== undefined);
      if (first) throw badRowError(first);
    }
    const { outcomes, badRows, skipped } = settle(sources, scanned, result.counts, result.badRows, options);
    const authority = authorityInput.sql!;
    const authorityUnicode = unicodeKeys(authorityInput.unicode, options.rules);
    return {
      outcomes,
      badRows,
      skipped,
      discrepancies: result.discrepancies,
      authorityHolds: async (keys) => {
        if (keys.length === 0) return [];
        const rows = await session.all(authorityHoldsSql(authority, options.rules), [...authorityUnicode, keys]);
        return rows.map(([key]) => key as NormalizedKey);
      },
      streamAuthorityKeys: (onChunk) => session.stream(authorityKeysSql(authority, options.rules), authorityUnicode, (rows) => onChunk(rows.map(([key]) => key as NormalizedKey))),
      close: () => void session.close(),
    };
  } catch (error) {
    await session.close();
    throw error;
  }
}

/**
 * One source's row identity (as its scan finds it) and distinct non-ASCII raw keys, in a
 * savepoint: a source that cannot be read (no such table, a refused query, no permission)
 * fails alone, in its own words, and `on_missing_file` decides as it does for the node engine.
 */
async function lookUp(session: PgEngineSession, input: EngineInput, position: number, options: PostgresEngineOptions): Promise<SourceScan> {
  const { relation } = input;
  // Only the source's own failures leave it out; the engine's (a timeout, a lost connection) fail the run.
  const own = new WeakSet<object>();
  const asSource = (error: unknown) => {
    const failure = sourceFailure(relation.endpoint, { connectTimeoutS: relation.connectTimeoutS, statementTimeoutS: options.statementTimeoutS, keyColumn: relation.keyColumn }, error, 'read', relation.endpoint.secrets);
    own.add(failure);
    return failure;
  };
  try {
    await session.savepoint(async () => {
      let from: string;
      try {
        from = relation.from();
      } catch (error) {
        own.add(error as object);
        throw error;
      }
      try {
        input.identity = await relation.rowIdentity(session.client);
      } catch (error) {
        throw isSourceError(error) ? asSource(error) : error;
      }
      input.sql = { position, from, keyColumn: relation.keyColumn, locators: locatorExpressions(input.identity) };
      for (const [raw] of await session.all(unicodeRawsSql(input.sql), [], asSource)) input.unicode.add(raw!);
    });
    return { ok: true, rows: 0 };
  } catch (error) {
    if (typeof error === 'object' && error !== null && own.has(error)) return { ok: false, error };
    throw session.failure(error);
  }
}

interface Compared {
  readonly rows: ReadonlyMap<SystemId, number>;
  readonly counts: ReadonlyMap<SystemId, SystemCounts>;
  readonly badRows: ReadonlyMap<SystemId, BadRow[]>;
  readonly discrepancies: Discrepancies;
}

/**
 * compareSystems (core/compare.ts) in one statement over the sources read (`read`, in config
 * order); a system's position in the SQL is its place in `inputs`, the config.
 */
async function compareInPostgres(session: PgEngineSession, inputs: readonly EngineInput[], read: readonly EngineInput[], options: PostgresEngineOptions): Promise<Compared> {
  const authority = inputs.findIndex((input) => input.source.system === options.authority);
  const systemAt = (position: number) => inputs[position]!.source.system;
  const locatorAt = (position: number, loc: string | null, seq: string | null): RowLocator => rowLocator(inputs[position]!.identity!, parseTexts(loc), Number(seq));
  const unicode = new Set<string>();
  for (const input of read) for (const raw of input.unicode) unicode.add(raw);
  const normalize = compileNormalizer(options.rules);

  const rows = new Map<SystemId, number>();
  const counts = new Map<SystemId, SystemCounts>();
  const badRows = new Map<SystemId, BadRow[]>(read.map((input) => [input.source.system, []]));
  const gaps = new Map<SystemId, AuthorityKey[]>(read.filter((input) => input.source.system !== options.authority).map((input) => [input.source.system, []]));
  const onlyInAuthority: AuthorityKey[] = [];
  const authoritySystem = systemAt(authority);
  const others = read.filter((input) => input.source.system !== authoritySystem).map((input) => input.source.system);
  let lackedBySome = 0;
  // The statement orders these parts by key (docs/decisions.md §21): see addToLast and addOutOfAuthoritySighting.
  const outOfAuthority: OutOfAuthorityKey[] = [];
  const duplicates = new Map<SystemId, { system: SystemId; key: NormalizedKey; sightings: Sighting[] }[]>(read.map((input) => [input.source.system, []]));

  await session.stream(compareSql(read.map((input) => input.sql!), authority, options.rules), unicodeKeys(unicode, options.rules), (batch) => {
    for (const [part, position, key, raw, seq, loc] of batch) {
      const at = Number(position);
      const system = systemAt(at);
      switch (Number(part)) {
        case PART.counts: {
          const [keys, kept, raws] = parseTexts(loc).map(Number) as [number, number, number];
          rows.set(system, Number(seq));
          counts.set(system, { keys, repeatedRows: kept - raws });
          break;
        }
        case PART.setAside: {
          const row = { seq: Number(seq), locator: locatorAt(at, loc, seq), raw, irregular: null, keyed: false };
          badRows.get(system)!.push(setAsideBadRow(row, inputs[at]!.source, 'UTF-8', normalize, options.onCorruptData, 'PostgreSQL'));
          break;
        }
        case PART.gap: {
          // One object for every list the key is in: at 10M keys that is millions fewer.
          const authorityKey: AuthorityKey = { key: key as NormalizedKey, line: locatorAt(authority, loc, seq) };
          const lacking = raw!.split(',');
          for (const lacks of lacking) gaps.get(systemAt(Number(lacks)))!.push(authorityKey);
          if (lacking.length === others.length) onlyInAuthority.push(authorityKey);
          lackedBySome++;
          break;
        }
        case PART.outsideAuthority: {
          addOutOfAuthoritySighting(outOfAuthority, key as NormalizedKey, { system, raw: rawOf(key, raw), line: locatorAt(at, loc, seq) });
          break;
        }
        case PART.duplicate: {
          const sighting: Sighting = { raw: rawOf(key, raw), line: locatorAt(at, loc, seq) };
          addToLast(duplicates.get(system)!, key as NormalizedKey, sighting, (first) => ({ system, key: key as NormalizedKey, sightings: [first] }));
          break;
        }
        default:
          throw new Error(`the postgres engine's comparison returned an unknown part ${String(part)}`);
      }
    }
  });

  // Lists in the node engine's order (UTF-16), which the server's byte order almost always is already.
  const systems = [authoritySystem, ...others];
  const authorityCount = counts.get(authoritySystem)!.keys;
  const keysInAllSystems = others.length > 0 ? authorityCount - lackedBySome : 0;
  const duplicateGroups: DuplicateGroup[] = systems.flatMap((system) => inKeyOrder(duplicates.get(system)!));
  for (const [system, list] of gaps) gaps.set(system, inKeyOrder(list));
  const compared = others.length > 0;
  const uniqueKeys = authorityCount + outOfAuthority.length;
  const discrepancies: Discrepancies = {
    authority: authoritySystem,
    systems,
    comparedSystems: others.length,
    keyCounts: Object.fromEntries(systems.map((system) => [system, counts.get(system)!.keys])),
    gaps,
    outOfAuthority: inKeyOrder(outOfAuthority),
    onlyInAuthority: inKeyOrder(onlyInAuthority),
    duplicates: duplicateGroups,
    uniqueKeys,
    keysInAllSystems,
    matchRates: {
      overall: compared ? ratio(keysInAllSystems, uniqueKeys) : null,
      bySystem: Object.fromEntries(others.map((system) => [system, ratio(authorityCount - gaps.get(system)!.length, authorityCount)])),
    },
  };
  return { rows, counts, badRows, discrepancies };
}

/** A locator's texts (or the counts) as the statement sends them: a JSON array, or NULL. */
function parseTexts(value: string | null): (string | null)[] {
  return value === null ? [] : (JSON.parse(value) as (string | null)[]);
}


function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}
