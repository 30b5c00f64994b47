/**
 * Synthetic data sets (docs/behaviour.md §8): one CSV per configured source, or with `into`
 * one table per system in a SQLite file or a PostgreSQL database, deterministic per seed.
 * Writes a commented keysync-config.yaml first when the folder has none. It never
 * overwrites a file it did not write itself (see manifest.ts) unless told to with `force`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE_NAME, loadConfig, parseConfigText, type KeySyncConfig } from '../config/load.js';
import { configTemplate, configTemplateWithSources, TEMPLATE_SYSTEMS } from '../config/template.js';
import type { SourceConfig } from '../config/schema.js';
import { KeySyncError } from '../errors.js';
import { writeChunksAtomically, writeFileAtomically } from '../io/atomic-file.js';
import { isWholeNumberIn, WHOLE_NUMBERS, wholeNumberRule } from '../whole-numbers.js';
import { GENERATION_STATS_NAME, generationStatsText } from './generation-stats.js';
import { planKeys, type KeyPlan } from './key-plan.js';
import { MATCH_TRUTH_NAME, matchTruthText, planMatchVariants, type MatchVariants } from './match-variants.js';
import { isAbsentOrOwnMockOutput, recordMockOutput } from './manifest.js';
import { createRandom, type Random } from './random.js';
import { MOCK_SCHEMA, postgresMockSourcesYaml, writeSystemsToPostgres } from './postgres-output.js';
import { systemRows } from './rows.js';
import { writeSystemsDatabase } from './sqlite-output.js';
import { FAILURE_INJECTIONS, SCENARIOS, type FailureInjection, type Scenario } from './scenarios.js';

export { SCENARIOS };
export type { Scenario, FailureInjection };

/** What `generateMockData` writes: where, which scenario, how many keys, which seed and faults. */
export interface MockDataOptions {
  /** Workspace folder: keysync-config.yaml is read from (or written to) here. */
  readonly dir: string;
  /** A config file with another name or place; relative paths in it resolve against its folder. */
  readonly configPath?: string;
  /** Defaults come from the config's `simulation` section. */
  readonly scenario?: Scenario;
  /** Keys in the authority; other systems get about as many. */
  readonly keys?: number;
  readonly seed?: number;
  readonly failures?: readonly FailureInjection[];
  /** Overwrite source files even when they are not this generator's own output. */
  readonly force?: boolean;
  /**
   * Write the systems as tables (`A` … with columns id, key, last_seen_at, system, status) into
   * this SQLite file (relative to the config's folder), or with a `postgres://` URL into the
   * schema `keysync_mock` of that database, instead of CSV files. A config is written that
   * reads them when there is none (its URL without the password: a run finds it in PGPASSWORD
   * or ~/.pgpass); an existing config must already list every system as such a table.
   */
  readonly into?: string;
}

/** The files `generateMockData` wrote and the match rates its plan implies. */
export interface MockDataResult {
  readonly configPath: string;
  readonly configWritten: boolean;
  readonly scenario: Scenario;
  readonly seed: number;
  readonly files: readonly { readonly system: string; readonly file: string; readonly rows: number }[];
  /** `generation_stats.json`, beside the authority's file. */
  readonly statsFile: string;
  /** `match_truth.csv` beside it, with `match-variants` injected: each injected key and the authority key it stands for. */
  readonly truthFile: string | null;
  /** The match rates the plan implies, before dirty variants (which normalise back). */
  readonly expected: { readonly overallMatchRate: number; readonly systemMatchRate: number };
}

/** The error code of a generation refused because it would overwrite files KeySync did not write. */
export const MOCK_DATA_WOULD_OVERWRITE = 'MOCK_DATA_WOULD_OVERWRITE';

/** The configured source files that exist and are not mock data this generator wrote: generating would destroy them. */
export function filesMockDataWouldOverwrite(options: Pick<MockDataOptions, 'dir' | 'configPath' | 'scenario' | 'keys' | 'seed' | 'into'>): string[] {
  return foreignSourceFiles(configFor(options).config);
}

/**
 * Writes seeded mock data for every configured source (and the config, when absent), the
 * same for the same seed. Refuses (`MOCK_DATA_WOULD_OVERWRITE`) to overwrite a file it did
 * not generate unless `force` is set (docs/behaviour.md §8).
 *
 * @example
 * ```ts
 * const result = await generateMockData({ dir: './demo', scenario: 'drift', keys: 1000, seed: 7 });
 * const ws = await openWorkspace(result.configPath);
 * ```
 */
export async function generateMockData(options: MockDataOptions): Promise<MockDataResult> {
  const { configPath, template, config } = configFor(options);
  const into = options.into === undefined ? impliedInto(config) : intoTarget(options.into, config);
  const foreign = options.force ? [] : foreignSourceFiles(config);
  if (foreign.length) {
    throw new KeySyncError(
      MOCK_DATA_WOULD_OVERWRITE,
      'usage',
      `Mock data would overwrite ${foreign.length === 1 ? 'a file' : `${foreign.length} files`} that KeySync did not generate: ${foreign.join(', ')}. Nothing was written.`,
      { remedy: "point the config's sources at other paths, or pass --force to overwrite them" },
    );
  }
  const configWritten = template !== undefined;
  if (template !== undefined) {
    mkdirSync(path.dirname(configPath), { recursive: true });
    writeFileSync(configPath, template);
  }
  const simulation = config.values.simulation;
  const scenario = options.scenario ?? simulation.scenario;
  const seed = options.seed ?? simulation.seed;
  const keys = options.keys ?? simulation.keys_per_system;
  validate(scenario, keys, seed, options.failures ?? []);

  const systems = [...config.values.sources.keys()];
  const authority = config.values.authority;
  const downstream = systems.filter((system) => system !== authority);
  const random = createRandom(seed);
  const plan = planKeys(keys, SCENARIOS[scenario], downstream.length, random);
  const failures = new Set(options.failures ?? []);
  const keyWidth = Math.max(7, String(plan.universe).length);
  // Its own random stream, so that the data without it stays as it was.
  const variants = failures.has('match-variants') ? planMatchVariants(plan, downstream, keyWidth, config.values.normalize, createRandom(seed ^ 0x6d61_7463)) : null;

  const generated = systems.map((system) => {
    const source = config.values.sources.get(system)!;
    // impliedInto/intoTarget refused every source that is not a file (CSV, or SQLite with
    // `into`) or a mock table in PostgreSQL, which is named by where it is.
    const file = sourceFileOf(config, source) ?? `${withoutPassword(into!)} table ${MOCK_SCHEMA}.${system}`;
    const ids = systemKeyIds(plan, system, authority, downstream, variants);
    const extra = variants?.extraRows.get(system) ?? [];
    const lines = systemLines(system, ids, random, { failures, downstream, keyWidth, extra });
    if (!into) writeSystemFile(file, lines, `${source.key_column},last_seen_at,system,status`);
    // A file is written as its system is generated, so its lines are let go: only one system's
    // rows are ever held, and 20M keys per system fit in memory. A database gets every table at once.
    return { system, file, lines: into ? lines : undefined, rows: lines?.length ?? 0, keys: ids.length + extra.length };
  });
  const tables = generated.map(({ system, lines }) => ({ table: system, lines: lines ?? [] }));
  if (into !== undefined) await (isPostgresUrl(into) ? writeSystemsToPostgres(into, tables) : writeSystemsDatabase(into, tables));
  const files = generated.map(({ lines: _lines, ...file }) => file);
  const shares = SCENARIOS[scenario];
  const expected = {
    overallMatchRate: plan.common.length / plan.universe,
    systemMatchRate: shares.common / (shares.common + shares.onlyInAuthority),
  };
  const statsFile = statsFileOf(config);
  const stats = generationStatsText({
    scenario,
    seed,
    keys,
    plan,
    shares,
    failures: [...failures],
    systems: files.map(({ system, file, keys: systemKeys, rows }) => ({ system, file: into !== undefined && isPostgresUrl(into) ? file : path.relative(path.dirname(statsFile), file), keys: systemKeys, rows })),
    plannedMatchRates: { overall: expected.overallMatchRate, perSystem: expected.systemMatchRate },
  });
  writeChunksAtomically(statsFile, [stats], { replace: true });
  const truthFile = variants ? truthFileOf(config) : null;
  if (variants && truthFile) writeChunksAtomically(truthFile, [matchTruthText(variants.truth)], { replace: true });
  const written = into !== undefined && isPostgresUrl(into) ? [] : files.map((file) => file.file);
  recordMockOutput([...new Set([...written, statsFile, ...(truthFile ? [truthFile] : [])])]);
  return { configPath, configWritten, scenario, seed, files: files.map(({ system, file, rows }) => ({ system, file, rows })), statsFile, truthFile, expected };
}

/** The config the data is generated for: the file, or the template about to be written when there is none. */
function configFor(options: Pick<MockDataOptions, 'dir' | 'configPath' | 'scenario' | 'keys' | 'seed' | 'into'>): {
  configPath: string;
  template: string | undefined;
  config: KeySyncConfig;
} {
  const configPath = path.resolve(options.configPath ?? path.join(options.dir, CONFIG_FILE_NAME));
  if (existsSync(configPath)) return { configPath, template: undefined, config: loadConfig(configPath) };
  const template = templateFor(options, configPath);
  return { configPath, template, config: { file: configPath, baseDir: path.dirname(configPath), ...parseConfigText(template, configPath) } };
}

/** The config written when there is none: CSV sources, or the tables `into` names. */
function templateFor(options: Pick<MockDataOptions, 'scenario' | 'keys' | 'seed' | 'into'>, configPath: string): string {
  if (options.into !== undefined && isPostgresUrl(options.into)) {
    const sources = postgresMockSourcesYaml(options.into, TEMPLATE_SYSTEMS).trimEnd();
    const comment = '# Every system, in the order reports list them. Each is a table of mock data in PostgreSQL;\n# the password comes from PGPASSWORD or ~/.pgpass (or write ${VAR} into the URL).';
    return configTemplateWithSources(`${comment}\n${sources}`, options.scenario, options.keys, options.seed);
  }
  const sqliteFile = options.into === undefined ? undefined : path.relative(path.dirname(configPath), path.resolve(path.dirname(configPath), options.into));
  return configTemplate(options.scenario, options.keys, options.seed, sqliteFile && `./${sqliteFile.split(path.sep).join('/')}`);
}

/** The files generating would overwrite (the sources and the stats file) that are not provably its own. */
function foreignSourceFiles(config: KeySyncConfig): string[] {
  // A set: the systems of a SQLite mock share one file.
  const sourceFiles = [...config.values.sources.values()].flatMap((source) => sourceFileOf(config, source) ?? []);
  return [...new Set([...sourceFiles, statsFileOf(config), truthFileOf(config)])].filter((file) => !isAbsentOrOwnMockOutput(file));
}

/** The file a source reads, resolved; undefined for a database server's table. */
function sourceFileOf(config: KeySyncConfig, source: SourceConfig): string | undefined {
  return 'path' in source ? path.resolve(config.baseDir, source.path) : undefined;
}

function statsFileOf(config: KeySyncConfig): string {
  // Beside the authority's file, or beside the config when the authority is a server's table.
  const authorityFile = sourceFileOf(config, config.values.sources.get(config.values.authority)!);
  return path.join(authorityFile === undefined ? config.baseDir : path.dirname(authorityFile), GENERATION_STATS_NAME);
}

function truthFileOf(config: KeySyncConfig): string {
  return path.join(path.dirname(statsFileOf(config)), MATCH_TRUTH_NAME);
}

function systemKeyIds(plan: KeyPlan, system: string, authority: string, downstream: readonly string[], variants: MatchVariants | null): Uint32Array {
  if (system === authority) return concat(plan.common, plan.onlyInAuthority);
  const replaced = variants?.replaced.get(system);
  const common = replaced?.size ? plan.common.filter((id) => !replaced.has(id)) : plan.common;
  return concat(common, plan.outsideBySystem[downstream.indexOf(system)]!);
}

/** A system's CSV data lines; undefined for the `empty-file` injection (a 0-byte file, or an empty table). */
function systemLines(
  system: string,
  ids: Uint32Array,
  random: Random,
  { failures, downstream, keyWidth, extra }: { failures: ReadonlySet<FailureInjection>; downstream: readonly string[]; keyWidth: number; extra: readonly string[] },
): string[] | undefined {
  const lastDownstream = downstream[downstream.length - 1];
  if (failures.has('empty-file') && system === lastDownstream) return undefined;
  return systemRows(system, ids, random, {
    keyWidth,
    corrupt: failures.has('corrupt-rows') && downstream.includes(system),
    massDuplication: failures.has('mass-duplication') && system === downstream[0],
    extra,
  });
}

function writeSystemFile(file: string, lines: readonly string[] | undefined, header: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileAtomically(file, lines ? [header, ...lines] : [], { replace: true });
}

/**
 * Where mock data goes when `into` is not given: CSV files for CSV sources; the SQLite file
 * for a config of tables in one file (one `--into` wrote, say), so that generating again never
 * writes CSV text over a database. Other sources cannot hold mock data.
 */
function impliedInto(config: KeySyncConfig): string | undefined {
  const sources = [...config.values.sources];
  if (sources.every(([, source]) => source.type === 'csv')) return undefined;
  const first = sources[0]![1];
  if (first.type === 'sqlite') {
    const file = path.resolve(config.baseDir, first.path);
    if (sources.every(([system, source]) => source.type === 'sqlite' && path.resolve(config.baseDir, source.path) === file && source.table === system)) return file;
  }
  const other = sources.find(([, source]) => source.type !== 'csv')!;
  throw new KeySyncError('MOCK_OPTIONS', 'usage', `Mock data goes into CSV files or into SQLite tables named after their systems in one file; source ${other[0]} is a ${other[1].type} source.`, {
    file: config.file ?? undefined,
    remedy: 'generate mock data in a folder without keysync-config.yaml, or with --into <file.db> or --into <postgres url>',
  });
}

const isPostgresUrl = (into: string) => /^postgres(?:ql)?:\/\//i.test(into);

/** A URL as it may be shown: without its password. */
function withoutPassword(url: string): string {
  const shown = new URL(url);
  shown.password = '';
  return shown.href;
}

/**
 * Where `into` sends the tables: a PostgreSQL URL, or a SQLite file, resolved. The config's
 * sources must be those tables, one per system, so that the run reads what was generated.
 */
function intoTarget(into: string, config: KeySyncConfig): string {
  if (isPostgresUrl(into)) {
    const strays = [...config.values.sources].filter(([system, source]) => source.type !== 'postgres' || source.table !== `${MOCK_SCHEMA}.${system}`);
    if (strays.length) {
      throw new KeySyncError('MOCK_OPTIONS', 'usage', `The config's sources ${strays.map(([system]) => system).join(', ')} are not PostgreSQL tables ${MOCK_SCHEMA}.<system>, so a run would not read the mock data.`, {
        file: config.file ?? undefined,
        remedy: `use a folder without keysync-config.yaml (one that reads the tables is written), or make each source { type: postgres, url: …, table: ${MOCK_SCHEMA}.<system> }`,
      });
    }
    return into;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(into)) {
    throw new KeySyncError('MOCK_OPTIONS', 'usage', `--into ${withoutPassword(into)} is a URL that is not PostgreSQL; mock data goes into a SQLite file or a PostgreSQL database.`, {
      remedy: 'pass a file name such as data/mock.db, or a postgres:// URL',
    });
  }
  const file = path.resolve(config.baseDir, into);
  const strays = [...config.values.sources].filter(([system, source]) => source.type !== 'sqlite' || path.resolve(config.baseDir, source.path) !== file || source.table !== system);
  if (strays.length) {
    throw new KeySyncError('MOCK_OPTIONS', 'usage', `The config's sources ${strays.map(([system]) => system).join(', ')} are not tables named after their system in ${into}, so a run would not read the mock data.`, {
      file: config.file ?? undefined,
      remedy: `use a folder without keysync-config.yaml (one that reads ${into} is written), or make each source { type: sqlite, path: ${into}, table: <system> }`,
    });
  }
  return file;
}

function concat(a: Uint32Array, b: Uint32Array): Uint32Array {
  const out = new Uint32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function validate(scenario: string, keys: number, seed: number, failures: readonly string[]): void {
  const usage = (message: string, remedy: string) => new KeySyncError('MOCK_OPTIONS', 'usage', message, { remedy });
  if (!(scenario in SCENARIOS)) throw usage(`Unknown scenario "${scenario}".`, `use one of ${Object.keys(SCENARIOS).join(', ')}`);
  if (!isWholeNumberIn(keys, WHOLE_NUMBERS.mockKeys)) throw usage(`keys must be ${wholeNumberRule(WHOLE_NUMBERS.mockKeys)}, got ${keys}.`, 'pass e.g. keys: 1000 (--keys 1000 on the command line)');
  if (!isWholeNumberIn(seed, WHOLE_NUMBERS.seed)) throw usage(`seed must be ${wholeNumberRule(WHOLE_NUMBERS.seed)}, got ${seed}.`, 'pass e.g. seed: 42 (--seed 42 on the command line)');
  for (const failure of failures) {
    if (!(FAILURE_INJECTIONS as readonly string[]).includes(failure)) {
      throw usage(`Unknown failure injection "${failure}".`, `use ${FAILURE_INJECTIONS.join(', ')}`);
    }
  }
}
