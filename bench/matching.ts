/**
 * `npm run bench:matching`: probable matches (docs/behaviour.md §10), quality and speed, through
 * the real `keysync` process. Mock data of the normal scenario (five systems) with
 * `match-variants` injected: downstream copies of common keys written with padding,
 * delimiter, typo, confusable and dropped-prefix mistakes, plus new keys numbered after every
 * existing one, all listed in `match_truth.csv`. The run's `probable_matches` report is
 * scored against that truth. The same run times the matching stage: at 1M keys per system
 * it matches ~0.13M out-of-authority keys against 1M authority keys. A second run on the
 * plain normal data gives the matching stage's share of a full run.
 *
 *   npm run bench:matching               # 1,000,000 keys per system
 *   npm run bench:matching -- 100000     # another size
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { generateMockData } from '../sdk/src/index.js';
import { runKeysync } from './keysync-process.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(repo, 'sdk/dist/cli.js');
const SEED = 42;
const TARGETS = { precision: 0.95, recall: 0.9, newKeySuggestions: 0.02, seconds: 3 };

async function workspace(name: string, keys: number, failures: ('match-variants')[]): Promise<{ config: string; truthFile: string | null }> {
  const dir = path.join(repo, 'bench/work', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'keysync-config.yaml'), 'logging: { file: null }\n');
  const generated = await generateMockData({ dir, scenario: 'normal', keys, seed: SEED, failures });
  return { config: generated.configPath, truthFile: generated.truthFile };
}

const rows = (file: string): string[][] => parse(readFileSync(file, 'utf8'), { from_line: 2 }) as string[][];

interface Quality {
  readonly byKind: Map<string, { keys: number; found: number; top: number; suggested: number }>;
  readonly precision: number;
  readonly newKeys: { keys: number; suggested: number };
  readonly interleaved: { keys: number; suggested: number };
}

/** Scores the run's candidates against the truth file. */
function quality(truthFile: string, report: string, outOfAuthority: number): Quality {
  const candidates = new Map<string, string[]>();
  for (const [system, raw, , candidate, , , rank] of rows(report)) {
    const list = candidates.get(`${system}\u0000${raw}`) ?? [];
    list[Number(rank) - 1] = candidate!;
    candidates.set(`${system}\u0000${raw}`, list);
  }
  const byKind = new Map<string, { keys: number; found: number; top: number; suggested: number }>();
  const newKeys = { keys: 0, suggested: 0 };
  const truthKeys = new Set<string>();
  let suggested = 0;
  let topRight = 0;
  for (const [system, raw, kind, authorityKey] of rows(truthFile)) {
    const id = `${system}\u0000${raw}`;
    truthKeys.add(id);
    const found = candidates.get(id) ?? [];
    if (kind === 'new') {
      newKeys.keys++;
      if (found.length) newKeys.suggested++;
      continue;
    }
    const entry = byKind.get(kind!) ?? { keys: 0, found: 0, top: 0, suggested: 0 };
    entry.keys++;
    if (found.length) entry.suggested++;
    if (found.includes(authorityKey!)) entry.found++;
    if (found[0] === authorityKey) entry.top++;
    byKind.set(kind!, entry);
    if (found.length) suggested++;
    if (found[0] === authorityKey) topRight++;
  }
  // Out-of-authority keys of the plan itself: new entities whose numbers lie among the authority's.
  const interleavedSuggested = [...candidates.keys()].filter((id) => !truthKeys.has(id)).length;
  return {
    byKind,
    precision: suggested ? topRight / suggested : 0,
    newKeys,
    interleaved: { keys: outOfAuthority - truthKeys.size, suggested: interleavedSuggested },
  };
}

const pct = (part: number, whole: number) => (whole ? `${((part / whole) * 100).toFixed(1)} %` : '—');
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const count = (value: number) => value.toLocaleString('en-US');
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');

const keys = Number(process.argv[2] ?? 1_000_000);
console.error(`bench:matching: ${count(keys)} keys per system, match-variants…`);
const variants = await workspace(`matching-n${keys}`, keys, ['match-variants']);
const withVariants = await runKeysync(cli, ['-c', variants.config]);
const report = readdirSync(path.dirname(withVariants.result.reports.probable_matches!))
  .filter((file) => file.startsWith('probable_matches_'))
  .map((file) => path.join(path.dirname(withVariants.result.reports.probable_matches!), file))[0]!;
const { summary, timings } = withVariants.result;
const measured = quality(variants.truthFile!, report, summary.totals.keysMissingInAuthority);

console.error(`bench:matching: ${count(keys)} keys per system, plain normal data…`);
const plain = await workspace(`matching-plain-n${keys}`, keys, []);
const plainRun = await runKeysync(cli, ['-c', plain.config]);
const plainTimings = plainRun.result.timings;
const plainTotal = Object.values(plainTimings).reduce((sum, ms) => sum + ms, 0);

const recallOk = ['padding', 'delimiter', 'typo'].every((kind) => {
  const entry = measured.byKind.get(kind);
  return entry !== undefined && entry.found / entry.keys >= TARGETS.recall;
});
const markdown = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${os.cpus()[0]?.model.trim()}, ${os.availableParallelism()} cores, Node ${process.versions.node}; load average at the end ${os.loadavg().map((load) => load.toFixed(1)).join(' / ')}.`,
  `Normal scenario, seed ${SEED}, five systems, ${count(keys)} keys in A; \`match-variants\` injected; default matching settings (max_distance 2, max_candidates 3, min_score 0.85).`,
  '',
  '| variant kind | keys | suggested | true key among candidates (recall) | true key first |',
  '| --- | ---: | ---: | ---: | ---: |',
  ...[...measured.byKind].sort().map(([kind, entry]) => `| ${kind} | ${count(entry.keys)} | ${pct(entry.suggested, entry.keys)} | ${pct(entry.found, entry.keys)} | ${pct(entry.top, entry.keys)} |`),
  '',
  `- Precision of the top candidate (variants with a suggestion whose first candidate is the true key): **${pct(measured.precision, 1)}** (target ≥ ${TARGETS.precision * 100} %: ${verdict(measured.precision >= TARGETS.precision)}).`,
  `- Recall for padding, delimiter and one-edit typos: target ≥ ${TARGETS.recall * 100} %: ${verdict(recallOk)}.`,
  `- New keys numbered after every existing key: ${count(measured.newKeys.suggested)} of ${count(measured.newKeys.keys)} got a suggestion, **${pct(measured.newKeys.suggested, measured.newKeys.keys)}** (target ≤ ${TARGETS.newKeySuggestions * 100} %: ${verdict(measured.newKeys.suggested / measured.newKeys.keys <= TARGETS.newKeySuggestions)}).`,
  `- New keys whose numbers lie among the authority's (the scenario's own out-of-authority keys): ${count(measured.interleaved.suggested)} of ${count(measured.interleaved.keys)}, **${pct(measured.interleaved.suggested, measured.interleaved.keys)}** got a suggestion.`,
  `- Speed: the matching stage took **${seconds(timings.match)} s** for ${count(summary.totals.keysMissingInAuthority)} out-of-authority keys against ${count(summary.totals.keysInAuthority)} authority keys (index build included; target ≤ ${TARGETS.seconds} s: ${verdict(timings.match / 1000 <= TARGETS.seconds)}).`,
  `- Share of a full run on the plain normal data (${count(keys)} × 5): matching ${seconds(plainTimings.match)} s of ${seconds(plainTotal)} s of stages (${pct(plainTimings.match, plainTotal)}); wall time ${seconds(plainRun.wallMs)} s. Stages: ${Object.entries(plainTimings).map(([stage, ms]) => `${stage} ${seconds(ms)}`).join(' · ')} s.`,
].join('\n');
console.log(markdown);
mkdirSync(path.join(repo, 'bench/results'), { recursive: true });
writeFileSync(path.join(repo, 'bench/results/matching.md'), `${markdown}\n`);
