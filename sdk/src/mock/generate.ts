/**
 * Synthetic data sets (docs/behaviour.md §8): one CSV per configured source, deterministic per seed.
 * Writes a commented keysync-config.yaml first when the folder has none. It never
 * overwrites a file it did not write itself (see manifest.ts) unless told to with `force`.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE_NAME, loadConfig, parseConfigText, type KeySyncConfig } from '../config/load.js';
import { configTemplate } from '../config/template.js';
import { KeySyncError } from '../errors.js';
import { writeChunksAtomically, writeFileAtomically } from '../io/atomic-file.js';
import { isWholeNumberIn, WHOLE_NUMBERS, wholeNumberRule } from '../whole-numbers.js';
import { GENERATION_STATS_NAME, generationStatsText } from './generation-stats.js';
import { planKeys, type KeyPlan } from './key-plan.js';
import { MATCH_TRUTH_NAME, matchTruthText, planMatchVariants, type MatchVariants } from './match-variants.js';
import { isAbsentOrOwnMockOutput, recordMockOutput } from './manifest.js';
import { createRandom, type Random } from './random.js';
import { systemRows } from './rows.js';
import { FAILURE_INJECTIONS, SCENARIOS, type FailureInjection, type Scenario } from './scenarios.js';

export { SCENARIOS };
export type { Scenario, FailureInjection };

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
}

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

export const MOCK_DATA_WOULD_OVERWRITE = 'MOCK_DATA_WOULD_OVERWRITE';

/** The configured source files that exist and are not mock data this generator wrote: generating would destroy them. */
export function filesMockDataWouldOverwrite(options: Pick<MockDataOptions, 'dir' | 'configPath' | 'scenario' | 'keys' | 'seed'>): string[] {
  return foreignSourceFiles(configFor(options).config);
}

export async function generateMockData(options: MockDataOptions): Promise<MockDataResult> {
  const { configPath, template, config } = configFor(options);
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

  const files = systems.map((system) => {
    const source = config.values.sources.get(system)!;
    const file = path.resolve(config.baseDir, source.path);
    const ids = systemKeyIds(plan, system, authority, downstream, variants);
    const header = `${source.key_column},last_seen_at,system,status`;
    const extra = variants?.extraRows.get(system) ?? [];
    const rows = writeSystemFile(file, system, ids, random, { header, failures, downstream, keyWidth, extra });
    return { system, file, rows, keys: ids.length + extra.length };
  });
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
    systems: files.map(({ system, file, keys: systemKeys, rows }) => ({ system, file: path.relative(path.dirname(statsFile), file), keys: systemKeys, rows })),
    plannedMatchRates: { overall: expected.overallMatchRate, perSystem: expected.systemMatchRate },
  });
  writeChunksAtomically(statsFile, [stats], { replace: true });
  const truthFile = variants ? truthFileOf(config) : null;
  if (variants && truthFile) writeChunksAtomically(truthFile, [matchTruthText(variants.truth)], { replace: true });
  recordMockOutput([...files.map((file) => file.file), statsFile, ...(truthFile ? [truthFile] : [])]);
  return { configPath, configWritten, scenario, seed, files: files.map(({ system, file, rows }) => ({ system, file, rows })), statsFile, truthFile, expected };
}

/** The config the data is generated for: the file, or the template about to be written when there is none. */
function configFor(options: Pick<MockDataOptions, 'dir' | 'configPath' | 'scenario' | 'keys' | 'seed'>): {
  configPath: string;
  template: string | undefined;
  config: KeySyncConfig;
} {
  const configPath = path.resolve(options.configPath ?? path.join(options.dir, CONFIG_FILE_NAME));
  if (existsSync(configPath)) return { configPath, template: undefined, config: loadConfig(configPath) };
  const template = configTemplate(options.scenario, options.keys, options.seed);
  return { configPath, template, config: { file: configPath, baseDir: path.dirname(configPath), ...parseConfigText(template, configPath) } };
}

/** The files generating would overwrite (the sources and the stats file) that are not provably its own. */
function foreignSourceFiles(config: KeySyncConfig): string[] {
  return [...[...config.values.sources.values()].map((source) => path.resolve(config.baseDir, source.path)), statsFileOf(config), truthFileOf(config)].filter(
    (file) => !isAbsentOrOwnMockOutput(file),
  );
}

function statsFileOf(config: KeySyncConfig): string {
  const authority = config.values.sources.get(config.values.authority)!;
  return path.join(path.dirname(path.resolve(config.baseDir, authority.path)), GENERATION_STATS_NAME);
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

function writeSystemFile(
  file: string,
  system: string,
  ids: Uint32Array,
  random: Random,
  { header, failures, downstream, keyWidth, extra }: { header: string; failures: ReadonlySet<FailureInjection>; downstream: readonly string[]; keyWidth: number; extra: readonly string[] },
): number {
  mkdirSync(path.dirname(file), { recursive: true });
  const lastDownstream = downstream[downstream.length - 1];
  if (failures.has('empty-file') && system === lastDownstream) {
    writeFileAtomically(file, [], { replace: true });
    return 0;
  }
  const rows = systemRows(system, ids, random, {
    keyWidth,
    corrupt: failures.has('corrupt-rows') && downstream.includes(system),
    massDuplication: failures.has('mass-duplication') && system === downstream[0],
    extra,
  });
  writeFileAtomically(file, [header, ...rows], { replace: true });
  return rows.length;
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
