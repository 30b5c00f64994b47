/**
 * Synthetic data sets (SPEC §8): one CSV per configured source, deterministic per seed.
 * Writes a commented keysync-config.yaml first when the folder has none.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FILE_NAME, loadConfig } from '../config/load.js';
import { configTemplate } from '../config/template.js';
import { KeySyncError } from '../errors.js';
import { writeFileAtomically } from '../io/atomic-file.js';
import { planKeys, type KeyPlan } from './key-plan.js';
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
}

export interface MockDataResult {
  readonly configPath: string;
  readonly configWritten: boolean;
  readonly scenario: Scenario;
  readonly seed: number;
  readonly files: readonly { readonly system: string; readonly file: string; readonly rows: number }[];
  /** The match rates the plan implies, before dirty variants (which normalise back). */
  readonly expected: { readonly overallMatchRate: number; readonly systemMatchRate: number };
}

export async function generateMockData(options: MockDataOptions): Promise<MockDataResult> {
  const configPath = path.resolve(options.configPath ?? path.join(options.dir, CONFIG_FILE_NAME));
  const configWritten = !existsSync(configPath);
  if (configWritten) {
    mkdirSync(path.dirname(configPath), { recursive: true });
    writeFileSync(configPath, configTemplate(options.scenario, options.keys, options.seed));
  }
  const config = loadConfig(configPath);
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

  const files = systems.map((system) => {
    const file = path.resolve(config.baseDir, config.values.sources.get(system)!.path);
    const ids = systemKeyIds(plan, system, authority, downstream);
    const rows = writeSystemFile(file, system, ids, random, { failures, downstream, keyWidth: Math.max(7, String(plan.universe).length) });
    return { system, file, rows };
  });
  const shares = SCENARIOS[scenario];
  return {
    configPath,
    configWritten,
    scenario,
    seed,
    files,
    expected: {
      overallMatchRate: plan.common.length / plan.universe,
      systemMatchRate: shares.common / (shares.common + shares.onlyInAuthority),
    },
  };
}

function systemKeyIds(plan: KeyPlan, system: string, authority: string, downstream: readonly string[]): Uint32Array {
  if (system === authority) return concat(plan.common, plan.onlyInAuthority);
  return concat(plan.common, plan.outsideBySystem[downstream.indexOf(system)]!);
}

function writeSystemFile(
  file: string,
  system: string,
  ids: Uint32Array,
  random: Random,
  { failures, downstream, keyWidth }: { failures: ReadonlySet<FailureInjection>; downstream: readonly string[]; keyWidth: number },
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
  });
  writeFileAtomically(file, ['key,last_seen_at,system,status', ...rows], { replace: true });
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
  if (!Number.isSafeInteger(keys) || keys < 1 || keys > 50_000_000) throw usage(`--keys must be a whole number from 1 to 50,000,000, got ${keys}.`, 'pass e.g. --keys 1000');
  if (!Number.isSafeInteger(seed) || seed < 0) throw usage(`--seed must be a whole number ≥ 0, got ${seed}.`, 'pass e.g. --seed 42');
  for (const failure of failures) {
    if (!FAILURE_INJECTIONS.includes(failure as FailureInjection)) {
      throw usage(`Unknown failure injection "${failure}".`, `use ${FAILURE_INJECTIONS.join(', ')}`);
    }
  }
}
