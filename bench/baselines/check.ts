// Runs both baselines on one folder and prints their counts side by side, for checking them by eye:
//   node --import tsx bench/baselines/check.ts <dir> [systems, authority first; default A B C D E]
import { coreutilsBaseline } from './coreutils.js';
import { duckdbBaseline } from './duckdb.js';
import type { BaselineResult } from './types.js';

const [dir, ...systemArgs] = process.argv.slice(2);
if (!dir) {
  console.error('usage: node --import tsx bench/baselines/check.ts <dir> [systems...]');
  process.exit(2);
}
const systems = systemArgs.length > 0 ? systemArgs : ['A', 'B', 'C', 'D', 'E'];

// One after the other, so neither competes with the other for the two cores.
const results: BaselineResult[] = [await duckdbBaseline(dir, systems), await coreutilsBaseline(dir, systems)];

type Row = [label: string, value: (result: BaselineResult) => number | boolean];
const rows: Row[] = [
  ...systems.map((system): Row => [`keys ${system}`, (r) => r.keysPerSystem[system]!]),
  ...systems.slice(1).map((system): Row => [`gap ${system}`, (r) => r.gaps[system]!]),
  ['out of authority', (r) => r.outOfAuthority],
  ['exact', (r) => r.exact],
  ['wall ms', (r) => Math.round(r.wallMs)],
];
console.table(
  Object.fromEntries(rows.map(([label, value]) => [label, Object.fromEntries(results.map((r) => [r.tool, value(r)]))])),
);
