/**
 * Child of bench/postgres.ts: scans the mock tables of the given systems with the postgres
 * source type, one after the other, into a sink that only counts, and prints the figures as
 * JSON. Run in its own process so that its peak RSS is the scan's alone.
 *
 *   node --import tsx --import ./bench/report-max-rss.mjs bench/postgres-scan.ts <url> A B C D E
 */
import os from 'node:os';
import { postgresSourceSchema } from '../sdk/src/config/database-sources.js';
import { MOCK_SCHEMA } from '../sdk/src/mock/postgres-output.js';
import { postgresSourceType } from '../sdk/src/sources/postgres/postgres-source.js';

const [url, ...systems] = process.argv.slice(2);
const perSystem: { system: string; rows: number; ms: number }[] = [];
for (const system of systems) {
  const config = postgresSourceSchema.parse({ type: 'postgres', url, table: `${MOCK_SCHEMA}.${system}` });
  const reader = postgresSourceType.open(system, config, { configDir: os.tmpdir(), env: process.env });
  let rows = 0;
  const started = performance.now();
  await reader.scan({ row: () => void rows++, unreadable: () => void rows++ });
  perSystem.push({ system, rows, ms: performance.now() - started });
}
console.log(JSON.stringify(perSystem));
