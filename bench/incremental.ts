/**
 * `npm run bench` (second part): incremental against full runs on the same data (issue 11).
 * For each size (keys per system, five systems, normal scenario, fixed seed) it generates the
 * data and makes a baseline with one full run. Then, for each kind of change to 5 % of B's
 * rows — (a) edited in place (other columns change, the key stays), (b) replaced by new keys
 * (new out-of-authority keys and proposals) — and for (c) no change at all (the least an
 * incremental run does: every source from its snapshot, every result carried forward), it
 * starts two workspaces from copies of the baseline's database and snapshots, runs an
 * incremental run in one and a full run in the other (fresh `keysync` processes), and checks
 * that their report files are equal apart from stamps (run id, timestamps, the mode's name).
 * Each timing is the best of `--repeat` tries
 * (default 3), each from a fresh copy, with their median beside it: the machine is shared.
 * Writes bench/results/incremental.md and .json.
 *
 *   npm run bench                                   # 100k and 1M
 *   node --import tsx bench/incremental.ts 100000   # chosen sizes
 *   KEYSYNC_BENCH_MATCHING=off …                    # with matching.enabled: false
 *   KEYSYNC_BENCH_CLI=<other build>/sdk/dist/cli.js KEYSYNC_BENCH_LABEL=before …  # another build, for before/after
 *   KEYSYNC_BENCH_BEFORE_CLI=<other build>/sdk/dist/cli.js …  # that build too, its runs alternating with this one's
 *
 * With KEYSYNC_BENCH_BEFORE_CLI each try runs the other build's incremental and full runs
 * beside this build's, each from a fresh copy, so that a noisy machine's drift falls on both.
 */
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateMockData, type ReconcileResult } from '../sdk/src/index.js';
import { runKeysync } from './keysync-process.js';
import { machine } from './machine.js';
import { resultJson } from './result-json.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = process.env.KEYSYNC_BENCH_CLI ?? path.join(repo, 'sdk/dist/cli.js');
const label = process.env.KEYSYNC_BENCH_LABEL;
const beforeCli = process.env.KEYSYNC_BENCH_BEFORE_CLI;
const SEED = 42;
const CHANGED_SHARE = 0.05;
const STAGES = ['read', 'compare', 'match', 'provision', 'reports', 'persist'] as const;
const KINDS = { edited: '(a) 5 % of B edited in place', replaced: '(b) 5 % of B replaced by new keys', unchanged: '(c) nothing changed' } as const;
type Kind = keyof typeof KINDS;

interface Measured {
  readonly wallMs: number;
  readonly timings: ReconcileResult['timings'];
}

/** A run's wall time and stage times (what the results file keeps). */
async function runCli(build: string, args: readonly string[]): Promise<Measured> {
  const run = await runKeysync(build, args);
  return { wallMs: run.wallMs, timings: run.result.timings };
}

/** One build's runs of one size and change: the best of its tries, and the median wall times. */
interface BuildRuns {
  readonly full: Measured;
  readonly incremental: Measured;
  readonly medianWallMs: { readonly full: number; readonly incremental: number };
}

interface Row extends BuildRuns {
  readonly keysPerSystem: number;
  readonly kind: Kind;
  readonly reportsEqual: boolean;
  readonly differing: readonly string[];
  /** The other build's runs (KEYSYNC_BENCH_BEFORE_CLI), alternating with these. */
  readonly before?: BuildRuns;
}

/** The tries of one build, summed up. */
function buildRuns(tries: { readonly full: readonly Measured[]; readonly incremental: readonly Measured[] }): BuildRuns {
  const bestOf = (runs: readonly Measured[]) => runs.reduce((a, b) => (b.wallMs < a.wallMs ? b : a));
  const median = (runs: readonly Measured[]) => {
    const walls = runs.map((run) => run.wallMs).sort((a, b) => a - b);
    const middle = walls.length >> 1;
    return walls.length % 2 ? walls[middle]! : (walls[middle - 1]! + walls[middle]!) / 2;
  };
  return { full: bestOf(tries.full), incremental: bestOf(tries.incremental), medianWallMs: { full: median(tries.full), incremental: median(tries.incremental) } };
}

/** Changes every 20th row of B: (a) its other columns, keeping the key; (b) its key, to one no system has. */
function changeB(original: string, kind: Exclude<Kind, 'unchanged'>): string {
  const [header, ...lines] = original.trimEnd().split('\n');
  const every = Math.round(1 / CHANGED_SHARE);
  const changed = lines.map((line, i) => {
    if (i % every !== 0) return line;
    if (kind === 'replaced') return line.replace(/^[^,]*/, `CHANGED-${i}`);
    const comma = line.indexOf(',');
    return `${line.slice(0, comma)},2027-01-01,B,edited`;
  });
  return `${header}\n${changed.join('\n')}\n`;
}

/** A report's text with what legitimately differs between two runs replaced: run ids, timestamps, the mode. */
function withoutStamps(text: string, runIds: readonly string[]): string {
  let out = text;
  for (const id of runIds) out = out.split(id).join('<run>');
  return out
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z/g, '<time>')
    .replace(/\d{8}T\d{6}Z/g, '<stamp>')
    .replace(/\b(full|incremental) run\b/g, '<mode> run');
}

/** Report files of two output folders, paired by name without the stamp; names of those that differ. */
function compareReports(incrementalDir: string, fullDir: string): string[] {
  const byName = (dir: string) =>
    new Map(readdirSync(dir).filter((name) => name.endsWith('.csv')).map((name) => [name.replace(/_\d{8}T\d{6}Z.*\.csv$/, ''), path.join(dir, name)]));
  const inc = byName(incrementalDir);
  const full = byName(fullDir);
  const runIds = [...new Set([...inc.values(), ...full.values()].flatMap((file) => readFileSync(file, 'utf8').match(/\d{8}T\d{6}Z-[0-9a-z]+/g) ?? []))];
  const differing: string[] = [];
  for (const name of new Set([...inc.keys(), ...full.keys()])) {
    const a = inc.get(name);
    const b = full.get(name);
    if (!a || !b || withoutStamps(readFileSync(a, 'utf8'), runIds) !== withoutStamps(readFileSync(b, 'utf8'), runIds)) differing.push(name);
  }
  return differing;
}

async function measure(keysPerSystem: number, repeat: number, matching: boolean): Promise<Row[]> {
  const dir = path.join(repo, 'bench/work', `incremental-n${keysPerSystem}${label ? `-${label}` : ''}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const settings = `logging: { file: null }\n${matching ? '' : 'matching: { enabled: false }\n'}`;
  const config = (name: string) => {
    const file = path.join(dir, `${name}.yaml`);
    writeFileSync(file, `${settings}database: { path: ./${name}/keysync.db }\noutput: { directory: ./${name}-output }\n`);
    return file;
  };
  const baselineConfig = config('baseline');
  await generateMockData({ dir, configPath: baselineConfig, scenario: 'normal', keys: keysPerSystem, seed: SEED });
  const bFile = path.join(dir, 'input/B.csv');
  const original = readFileSync(bFile, 'utf8');
  await runCli(cli, ['-c', baselineConfig, '-m', 'full']);
  const rows: Row[] = [];
  const kinds = Object.keys(KINDS) as Kind[];
  // (c) first and with B left alone: writing the file, even its original text, changes its fingerprint.
  for (const kind of ['unchanged', ...kinds.filter((other) => other !== 'unchanged')] as const) {
    if (kind !== 'unchanged') writeFileSync(bFile, changeB(original, kind));
    const tries = { full: [] as Measured[], incremental: [] as Measured[] };
    const beforeTries = { full: [] as Measured[], incremental: [] as Measured[] };
    let differing: string[] = [];
    const freshCopies = () => {
      for (const name of ['incremental', 'full']) {
        rmSync(path.join(dir, name), { recursive: true, force: true });
        rmSync(path.join(dir, `${name}-output`), { recursive: true, force: true });
        cpSync(path.join(dir, 'baseline'), path.join(dir, name), { recursive: true });
      }
    };
    for (let attempt = 0; attempt < repeat; attempt++) {
      if (beforeCli) {
        freshCopies();
        beforeTries.incremental.push(await runCli(beforeCli, ['-c', config('incremental'), '-m', 'incremental']));
        beforeTries.full.push(await runCli(beforeCli, ['-c', config('full'), '-m', 'full']));
      }
      freshCopies();
      tries.incremental.push(await runCli(cli, ['-c', config('incremental'), '-m', 'incremental']));
      tries.full.push(await runCli(cli, ['-c', config('full'), '-m', 'full']));
      if (attempt === 0) differing = compareReports(path.join(dir, 'incremental-output'), path.join(dir, 'full-output'));
    }
    rows.push({ keysPerSystem, kind, ...buildRuns(tries), reportsEqual: differing.length === 0, differing, ...(beforeCli ? { before: buildRuns(beforeTries) } : {}) });
  }
  writeFileSync(bFile, original);
  return rows.sort((a, b) => kinds.indexOf(a.kind) - kinds.indexOf(b.kind));
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const stages = (m: Measured) => STAGES.map((stage) => seconds(m.timings[stage])).join(' · ');

const ratio = (full: number, incremental: number) => `${(full / incremental).toFixed(1)}×`;
const medians = (runs: BuildRuns) => `${seconds(runs.medianWallMs.full)} · ${seconds(runs.medianWallMs.incremental)} s (${ratio(runs.medianWallMs.full, runs.medianWallMs.incremental)})`;

function table(rows: readonly Row[]): string {
  const withBefore = rows.some((row) => row.before);
  const beforeHeader = withBefore ? ' before: full · incremental, medians | before: its best incremental\'s stages |' : '';
  const header =
    `| keys/system × 5 | change | full run | its ${STAGES.join(' · ')} | incremental | its ${STAGES.join(' · ')} | full ÷ incremental | ` +
    `full · incremental, medians | reports equal |${beforeHeader}`;
  const lines = rows.map(
    (row) =>
      `| ${row.keysPerSystem.toLocaleString('en-US')} | ${KINDS[row.kind]} | ${seconds(row.full.wallMs)} s | ${stages(row.full)} s | ` +
      `${seconds(row.incremental.wallMs)} s | ${stages(row.incremental)} s | ${ratio(row.full.wallMs, row.incremental.wallMs)} | ${medians(row)} | ` +
      `${row.reportsEqual ? 'yes' : `NO: ${row.differing.join(', ')}`} |` +
      (row.before ? ` ${medians(row.before)} | ${stages(row.before.incremental)} s |` : ''),
  );
  return [header, `|${' --- |'.repeat(withBefore ? 11 : 9)}`, ...lines].join('\n');
}

const args = process.argv.slice(2);
const repeatArg = args.indexOf('--repeat');
const repeat = repeatArg >= 0 ? Number(args[repeatArg + 1]) : 3;
const sizes = args.filter((_arg, i) => repeatArg < 0 || (i !== repeatArg && i !== repeatArg + 1)).map(Number).filter((size) => size > 0);
const matching = process.env.KEYSYNC_BENCH_MATCHING !== 'off';
const results: Row[] = [];
const loadBefore = os.loadavg();
for (const size of sizes.length ? sizes : [100_000, 1_000_000]) {
  console.error(`bench incremental: ${size.toLocaleString('en-US')} keys per system…`);
  results.push(...(await measure(size, repeat, matching)));
}
const load = (values: number[]) => values.map((value) => value.toFixed(2)).join(', ');
const markdown = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${machine()}; load average ${load(loadBefore)} before, ${load(os.loadavg())} after.`,
  ...(label ? [`Build: ${label}.`] : []),
  ...(beforeCli ? ['The "before" columns are another build, its runs alternating with this one\'s in every try.'] : []),
  `Normal scenario, seed ${SEED}, five systems, probable matching ${matching ? 'on' : 'off (`matching.enabled: false`)'}. Each run is a fresh \`keysync\` process`,
  `started from a copy of a baseline full run's database and snapshots; best of ${repeat} tries, and the median. "Reports equal": every report of the incremental run`,
  'equals the full run\'s on the same data, apart from run ids, timestamps and the mode\'s name.',
  '',
  table(results),
].join('\n');
console.log(markdown);
const suffix = `${matching ? '' : '-matching-off'}${label ? `-${label}` : ''}`;
mkdirSync(path.join(repo, 'bench/results'), { recursive: true });
writeFileSync(path.join(repo, `bench/results/incremental${suffix}.md`), `${markdown}\n`);
writeFileSync(
  path.join(repo, `bench/results/incremental${suffix}.json`),
  resultJson({ machine: machine(), date: new Date().toISOString(), seed: SEED, matching, repeat, results }),
);
process.exitCode = results.every((row) => row.reportsEqual) ? 0 : 1;
