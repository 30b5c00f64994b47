/**
 * Measures each mock-data scenario's match rates through a real (dry) reconciliation and
 * prints the README's table: `node --import tsx bench/mock-match-rates.ts [keys] [seed]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateMockData, openWorkspace, SCENARIOS, type Scenario } from '../sdk/src/index.js';

const keys = Number(process.argv[2] ?? 100_000);
const seed = Number(process.argv[3] ?? 42);
const percent = (rate: number | null) => (rate === null ? 'not compared' : `${(rate * 100).toFixed(2)} %`);

console.log('| scenario | shares (common / outside A / only A) | overall match rate: planned → measured | per-system match rate: planned → measured (B, C, D, E) | duplicate groups | repeated rows |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const scenario of Object.keys(SCENARIOS) as Scenario[]) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keysync-mock-'));
  try {
    const generated = await generateMockData({ dir, scenario, keys, seed });
    const workspace = await openWorkspace(generated.configPath);
    const { summary } = await workspace.reconcile({ dryRun: true });
    await workspace.close();
    const shares = SCENARIOS[scenario];
    const perSystem = summary.systems.filter((system) => system.matchRate !== null).map((system) => percent(system.matchRate!));
    console.log(
      `| ${scenario} | ${shares.common} / ${shares.outsideAuthority} / ${shares.onlyInAuthority} | ` +
        `${percent(generated.expected.overallMatchRate)} → ${percent(summary.totals.overallMatchRate)} | ` +
        `${percent(generated.expected.systemMatchRate)} → ${perSystem.join(', ')} | ` +
        `${summary.totals.duplicateGroups} | ${summary.totals.repeatedRows} |`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
