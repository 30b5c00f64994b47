/**
 * "Fixtures on every type" (docs/behaviour.md §2), shared by the file-type and database-type
 * suites: each system of a CLI fixture set is read key by key from its CSV, as the CSV reader
 * sees it, so that it can be written into another source type row for row in file order; the
 * reports are then compared with the CSV run's apart from where rows are (the File, Line and
 * Lines columns and the source locations).
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse, stringify } from 'yaml';
import { scanCsv } from '../../src/sources/csv/csv-scan.js';
import { decodeSource } from '../../src/sources/csv/decode.js';
import { runCli, type CliResult } from './cli.js';
import { readReports } from './reports.js';
import type { TempWorkspace } from './workspace.js';

type CsvSourceYaml = { path: string; key_column?: string; delimiter?: string; encoding?: 'utf-8' | 'latin1' | 'utf-16le' };

/** One system of a fixture's config: its key column and its keys in file order (null: the row has no key field), or `undefined` when its CSV is missing. */
export interface FixtureSystem {
  readonly system: string;
  readonly keyColumn: string;
  readonly keys: (string | null)[] | undefined;
}

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

/** The systems of the workspace's config, each with its keys read from its CSV. */
export function fixtureSystems(workspace: TempWorkspace): FixtureSystem[] {
  const config = parse(readFileSync(workspace.config, 'utf8')) as { sources: Record<string, CsvSourceYaml> };
  return Object.entries(config.sources).map(([system, source]) => {
    const csv = workspace.file(source.path);
    return { system, keyColumn: (source.key_column ?? 'key').trim(), keys: existsSync(csv) ? csvKeys(csv, source) : undefined };
  });
}

/** Rewrites the workspace's config with `sources` in place of its CSV sources, the rest unchanged. */
export function replaceSources(workspace: TempWorkspace, sources: Record<string, object>): void {
  const config = parse(readFileSync(workspace.config, 'utf8')) as Record<string, unknown>;
  writeFileSync(workspace.config, stringify({ ...config, sources }));
}

/** Where a system is read, as reports and the audit log name it, for every source type. */
const LOCATION = /(?:sqlite:|parquet:)?<WS>\/input\/[A-Za-z0-9_.-]+(?: table [A-Za-z0-9_]+)?|(?:postgres|mysql):\/\/[^\s,"]+ table [A-Za-z0-9_.]+/g;

/** A missing source's reason is in each type's own words (a file, a table that does not exist). */
const MISSING_REASON = /^(<source>: |skipped: )?.*\b(?:does not exist|doesn't exist)\b.*$/s;

/** A report with its locator columns blanked, source locations replaced by `<source>` and a missing source's reason by `<missing>`. */
export function withoutLocators(report: string): string[][] {
  const [header, ...rows] = parseCsv(report, { relax_column_count: true }) as string[][];
  const blank = new Set(['File', 'Line', 'Lines'].map((name) => header!.indexOf(name)).filter((index) => index >= 0));
  return [
    header!,
    ...rows.map((row) => {
      const skipped = row.includes('source_skipped');
      return row.map((cell, index) => {
        if (blank.has(index)) return '';
        const located = cell.replace(LOCATION, '<source>');
        return skipped || located.startsWith('skipped: ') ? located.replace(MISSING_REASON, '$1<missing>') : located;
      });
    }),
  ];
}

/** Runs the CLI on the workspace (exit 0 expected) and returns its reports without locators; `seen` receives what the CLI printed. */
export async function reportsOf(workspace: TempWorkspace, env?: NodeJS.ProcessEnv, seen?: (result: CliResult) => void): Promise<Record<string, string[][]>> {
  const result = await runCli(['-c', workspace.config, '-q'], { env });
  seen?.(result);
  assert.ok(result.code === 0, result.stderr);
  return Object.fromEntries(Object.entries(readReports(workspace.file('output'), workspace.dir)).map(([name, content]) => [name, withoutLocators(content)]));
}

/** Asserts that `actual` holds the same reports as `expected`; the dirty set's CSV-only faults (ragged, unparseable rows) cannot exist outside a CSV, so there only the discrepancy reports and the registry are compared. */
export function assertSameReports(fixture: string, type: string, actual: Record<string, string[][]>, expected: Record<string, string[][]>): void {
  const compared =
    fixture === 'dirty' ? Object.keys(expected).filter((name) => name.startsWith('diff_') || name === 'duplicates' || name === 'master_key_registry') : Object.keys(expected);
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort());
  for (const name of compared) assert.deepEqual(actual[name], expected[name], `${name} in ${type}`);
}
