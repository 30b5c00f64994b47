/**
 * "Fixtures on every type" (docs/behaviour.md §2): the CLI fixture sets run again with every
 * system moved from its CSV into a SQLite table and into a Parquet file, row for row in file
 * order. The reports must equal the CSV run's apart from where rows are: the File, Line and
 * Lines columns and the source locations in the audit log. The dirty set's CSV-only faults
 * (ragged and unparseable rows) cannot exist in a table, so there only the discrepancy
 * reports and the registry are compared.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse as parseCsv } from 'csv-parse/sync';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { parse, stringify } from 'yaml';
import { scanCsv } from '../../src/sources/csv/csv-scan.js';
import { decodeSource } from '../../src/sources/csv/decode.js';
import { runCli } from '../helpers/cli.js';
import { readReports } from '../helpers/reports.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

type CsvSourceYaml = { path: string; key_column?: string; delimiter?: string; encoding?: 'utf-8' | 'latin1' | 'utf-16le' };

/** Each data row's key as the CSV reader sees it (null where the row has no key field), in file order. */
function csvKeys(file: string, source: CsvSourceYaml): (string | null)[] {
  const keys: (string | null)[] = [];
  scanCsv(decodeSource(readFileSync(file), source.encoding ?? 'utf-8', file), source.delimiter ?? ',', {
    header: (fields) => fields.findIndex((field) => field.trim() === (source.key_column ?? 'key').trim()),
    row: (raw) => keys.push(raw ?? null),
    unparseable: () => undefined,
  });
  return keys;
}

/** Moves every system of the workspace's config into `type`, rewriting the config. */
function moveInto(workspace: TempWorkspace, type: 'sqlite' | 'parquet'): void {
  const config = parse(readFileSync(workspace.config, 'utf8')) as { sources: Record<string, CsvSourceYaml> };
  const sources: Record<string, object> = {};
  const dbFile = workspace.file('input', 'systems.db');
  for (const [system, source] of Object.entries(config.sources)) {
    const csv = workspace.file(source.path);
    const keyColumn = source.key_column ?? 'key';
    if (type === 'sqlite') {
      // A missing CSV stays missing: its system points at a database file that does not exist.
      const file = existsSync(csv) ? dbFile : workspace.file('input', `${system}.db`);
      if (existsSync(csv)) {
        const db = new Database(dbFile);
        db.exec(`CREATE TABLE "${system}" ("${keyColumn.trim()}" TEXT)`);
        const insert = db.prepare(`INSERT INTO "${system}" VALUES (?)`);
        for (const key of csvKeys(csv, source)) insert.run(key);
        db.close();
      }
      sources[system] = { type: 'sqlite', path: path.relative(workspace.dir, file), table: system, key_column: keyColumn };
    } else {
      const file = workspace.file('input', `${system}.parquet`);
      if (existsSync(csv)) {
        writeFileSync(file, Buffer.from(parquetWriteBuffer({ columnData: [{ name: keyColumn.trim(), data: csvKeys(csv, source), type: 'STRING', nullable: true }] })));
      }
      sources[system] = { type: 'parquet', path: path.relative(workspace.dir, file), key_column: keyColumn };
    }
  }
  writeFileSync(workspace.config, stringify({ ...config, sources }));
}

/** A report with its locator columns blanked and source locations replaced by the system. */
function withoutLocators(report: string): string[][] {
  const [header, ...rows] = parseCsv(report, { relax_column_count: true }) as string[][];
  const blank = new Set(['File', 'Line', 'Lines'].map((name) => header!.indexOf(name)).filter((index) => index >= 0));
  const location = /(?:sqlite:|parquet:)?<WS>\/input\/[A-Za-z0-9_.-]+(?: table [A-Za-z0-9_]+)?/g;
  return [header!, ...rows.map((row) => row.map((cell, index) => (blank.has(index) ? '' : cell.replace(location, '<source>'))))];
}

async function reportsOf(workspace: TempWorkspace): Promise<Record<string, string[][]>> {
  const result = await runCli(['-c', workspace.config, '-q']);
  assert.ok(result.code === 0, result.stderr);
  return Object.fromEntries(Object.entries(readReports(workspace.file('output'), workspace.dir)).map(([name, content]) => [name, withoutLocators(content)]));
}

describe('the CLI fixture sets with every system in each file source type', function () {
  this.timeout(120_000);
  const workspaces: TempWorkspace[] = [];
  after(() => workspaces.forEach((workspace) => workspace.remove()));
  const fresh = (fixture: string) => {
    const workspace = tempWorkspace(fixture);
    workspaces.push(workspace);
    return workspace;
  };

  for (const fixture of ['clean', 'missing-source', 'dirty']) {
    for (const type of ['sqlite', 'parquet'] as const) {
      it(`${fixture} in ${type}: the same reports as from CSV, apart from locators`, async () => {
        const expected = await reportsOf(fresh(fixture));
        const moved = fresh(fixture);
        moveInto(moved, type);
        const actual = await reportsOf(moved);
        const compared =
          fixture === 'dirty'
            ? Object.keys(expected).filter((name) => name.startsWith('diff_') || name === 'duplicates' || name === 'master_key_registry')
            : Object.keys(expected);
        assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
        for (const name of compared) assert.deepEqual(actual[name], expected[name], `${name} in ${type}`);
      });
    }
  }
});
