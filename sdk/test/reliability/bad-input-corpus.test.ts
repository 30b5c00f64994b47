/**
 * The bad-input corpus (testdata/bad/corpus.json): every file gets its exact documented
 * outcome — a clear error naming file and line, a system left out and said so, or bad
 * rows counted and listed in error_report — and never a crash or a silent loss.
 */
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { compileNormalizer, DEFAULT_NORMALIZE_RULES } from '../../src/core/normalize.js';
import { loadConfig } from '../../src/config/load.js';
import { isKeySyncError, openWorkspace, type KeySyncError } from '../../src/index.js';
import type { CorruptDataPolicy } from '../../src/core/types.js';
import { readSource } from '../../src/sources/read-source.js';
import type { SourceFile } from '../../src/sources/source-file.js';
import { runCli } from '../helpers/cli.js';
import { TESTDATA, tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

interface SourceEntry {
  readonly file: string;
  readonly note: string;
  readonly as?: 'authority';
  readonly options?: Partial<Pick<SourceFile, 'encoding' | 'delimiter'>>;
  readonly policy?: CorruptDataPolicy;
  readonly unreadable?: boolean;
  readonly expect: {
    readonly keys?: [string, number][];
    readonly bad_rows?: [number, string, string][];
    readonly repeated?: number;
    readonly left_out?: string;
    readonly fails?: string;
    readonly line?: number;
  };
}

interface ConfigEntry {
  readonly file: string;
  readonly note: string;
  readonly expect: { readonly config_error?: string; readonly line?: number; readonly message?: string; readonly config_ok?: boolean };
}

const CORPUS = path.join(TESTDATA, 'bad');
const corpus = JSON.parse(readFileSync(path.join(CORPUS, 'corpus.json'), 'utf8')) as { sources: SourceEntry[]; configs: ConfigEntry[] };
const GOOD_AUTHORITY = 'key\nK-1\nK-2\nK-3\n';
const isRoot = process.getuid?.() === 0;

function configFor(entry: SourceEntry, corpusFile: string, goodFile: string): string {
  const options = Object.entries(entry.options ?? {}).map(([name, value]) => `, ${name}: ${JSON.stringify(value)}`).join('');
  const [a, b] = entry.as === 'authority' ? [`${JSON.stringify(corpusFile)}${options}`, JSON.stringify(goodFile)] : [JSON.stringify(goodFile), `${JSON.stringify(corpusFile)}${options}`];
  return [
    'authority: A',
    'sources:',
    `  A: { path: ${a} }`,
    `  B: { path: ${b} }`,
    `error_handling: { on_missing_file: skip, on_corrupt_data: ${entry.policy ?? 'log'} }`,
    'processing: { parallel: false }',
    'logging: { file: null }',
    '',
  ].join('\n');
}

/** error_report rows for system B, as [line, reason, action]. */
function errorReportRows(file: string): string[][] {
  const rows = parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
  return rows.filter((row) => row.System === 'B').map((row) => [row.Type!, row.Line!, row.Error!, row.Action!]);
}

describe('bad-input corpus (testdata/bad)', function () {
  this.timeout(60_000);
  const entries = corpus.sources.length + corpus.configs.length;
  it(`has at least 30 documented files (${entries} entries)`, () => {
    assert.ok(entries >= 30);
    const onDisk = new Set(readdirSync(path.join(CORPUS, 'files')));
    for (const entry of [...corpus.sources, ...corpus.configs]) {
      assert.ok(entry.note.length > 0, `${entry.file} has a note`);
      assert.ok(onDisk.has(entry.file) || entry.file === 'missing.csv', `${entry.file} is in the corpus`);
    }
  });

  for (const entry of corpus.sources) {
    describe(`${entry.as === 'authority' ? 'authority ' : ''}${entry.file}: ${entry.note}`, () => {
      let workspace: TempWorkspace;
      let corpusFile: string;
      beforeEach(() => {
        workspace = tempWorkspace();
        writeFileSync(workspace.file('good.csv'), GOOD_AUTHORITY);
        corpusFile = path.join(CORPUS, 'files', entry.file);
        if (entry.unreadable) {
          corpusFile = workspace.file(entry.file);
          copyFileSync(path.join(CORPUS, 'files', entry.file), corpusFile);
          chmodSync(corpusFile, 0o000);
        }
        writeFileSync(workspace.config, configFor(entry, corpusFile, workspace.file('good.csv')));
      });
      afterEach(() => workspace.remove());

      if (!entry.unreadable || !isRoot) {
        it('reads to the documented keys, lines and bad rows (or refuses the file with the documented code)', async () => {
          const source: SourceFile = { system: 'B', file: corpusFile, keyColumn: 'key', delimiter: ',', encoding: 'utf-8', ...entry.options };
          const reading = readSource(source, { normalize: compileNormalizer(DEFAULT_NORMALIZE_RULES), onCorruptData: entry.policy ?? 'log' });
          const code = entry.expect.left_out ?? (entry.as === 'authority' ? entry.expect.fails : undefined);
          if (code && code !== 'AUTHORITY_EMPTY') {
            await assert.rejects(reading, (error: KeySyncError) => error.code === code && error.file === corpusFile);
            return;
          }
          if (entry.expect.fails === 'SOURCE_BAD_ROW') {
            await assert.rejects(reading, (error: KeySyncError) => error.code === 'SOURCE_BAD_ROW' && error.line === entry.expect.line);
            return;
          }
          const read = await reading;
          const keys = [...read.index.keys()].map((key): [string, number] => [key, read.index.sightings(key)[0]!.line as number]).sort((x, y) => x[1] - y[1]);
          assert.deepEqual(keys, entry.expect.keys ?? []);
          assert.deepEqual(read.badRows.map((row) => [row.line, row.reason, row.action]), entry.expect.bad_rows ?? []);
          assert.equal(read.index.repeatedRows, entry.expect.repeated ?? 0);
        });
      }

      it('runs end to end with the documented outcome: no crash, nothing silently lost', async () => {
        if (entry.unreadable && isRoot) {
          // Root reads any file: the unreadable case runs the CLI as an unprivileged user.
          chmodRecursive(workspace.dir);
          const result = await runCli(['-c', workspace.config, '--dry-run', '--json'], { uid: 65534, gid: 65534 });
          assert.equal(result.code, 0, result.stderr);
          const system = (JSON.parse(result.stdout) as { summary: { systems: { system: string; skippedCode: string | null }[] } }).summary.systems.find((s) => s.system === 'B');
          assert.equal(system?.skippedCode, entry.expect.left_out);
          return;
        }
        const ws = await openWorkspace(workspace.config);
        try {
          const running = ws.reconcile({ dryRun: true });
          if (entry.expect.fails) {
            await assert.rejects(running, (error: unknown) => {
              assert.ok(isKeySyncError(error), `a KeySyncError, not ${String(error)}`);
              assert.equal(error.code, entry.expect.fails);
              assert.equal(error.file, corpusFile, 'the error names the file');
              if (entry.expect.line) assert.equal(error.line, entry.expect.line, 'and the line');
              return true;
            });
            return;
          }
          const result = await running;
          const b = result.summary.systems.find((system) => system.system === 'B')!;
          const reported = errorReportRows(result.reports.error_report!);
          if (entry.expect.left_out) {
            assert.equal(b.status, 'skipped');
            assert.equal(b.skippedCode, entry.expect.left_out);
            assert.equal(reported.length, 1);
            assert.equal(reported[0]![0], 'source_skipped');
            return;
          }
          assert.equal(b.badRows, (entry.expect.bad_rows ?? []).length);
          assert.deepEqual(
            reported.map(([type, line, error, action]) => [type, Number(line), error!.split(':')[0], action]),
            (entry.expect.bad_rows ?? []).map(([line, reason, action]) => ['bad_row', line, reason, `row ${action}`]),
          );
        } finally {
          await ws.close();
        }
      });
    });
  }

  for (const entry of corpus.configs) {
    it(`${entry.file}: ${entry.note}`, async () => {
      const workspace = tempWorkspace();
      try {
        mkdirSync(workspace.file('../outside'), { recursive: true });
        writeFileSync(workspace.file('A.csv'), GOOD_AUTHORITY);
        writeFileSync(workspace.file('B.csv'), 'key\nK-1\n');
        const text = readFileSync(path.join(CORPUS, 'files', entry.file), 'utf8').replaceAll('@WORKSPACE@', workspace.dir);
        writeFileSync(workspace.config, text);
        if (entry.expect.config_ok) {
          assert.doesNotThrow(() => loadConfig(workspace.config));
          const result = await runCli(['-c', workspace.config, '-q', '--dry-run']);
          // The dot-dot config names a file outside the workspace that does not exist: the authority is missing.
          assert.ok(result.code === 0 || /outside\/A\.csv: The source file does not exist/.test(result.stderr), result.stderr);
          return;
        }
        assert.throws(
          () => loadConfig(workspace.config),
          (error: KeySyncError) => {
            assert.equal(error.code, entry.expect.config_error);
            assert.equal(error.file, workspace.config);
            if (entry.expect.line) assert.equal(error.line, entry.expect.line);
            assert.match(error.message, new RegExp(entry.expect.message!));
            return true;
          },
        );
        const cli = await runCli(['-c', workspace.config]);
        assert.equal(cli.code, 2, 'the CLI exits 2 on a config error');
        assert.doesNotMatch(cli.stderr, /\n\s+at /, 'no stack trace');
      } finally {
        workspace.remove();
      }
    });
  }
});

function chmodRecursive(dir: string): void {
  chmodSync(dir, 0o777);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) chmodRecursive(full);
    else if (!entry.name.startsWith('unreadable')) chmodSync(full, 0o666);
  }
}

describe('a file that is nothing but bad rows', function () {
  this.timeout(60_000);
  it('lists all 300,000 of them in error_report, one per row, without failing the run', async () => {
    const workspace = tempWorkspace();
    try {
      writeFileSync(workspace.file('A.csv'), GOOD_AUTHORITY);
      writeFileSync(workspace.file('B.csv'), `key\n${'!!!\n'.repeat(300_000)}`);
      writeFileSync(workspace.config, 'authority: A\nsources:\n  A: { path: ./A.csv }\n  B: { path: ./B.csv }\nlogging: { file: null }\n');
      const result = await runCli(['-c', workspace.config, '--json', '-q']);
      assert.equal(result.code, 0, result.stderr);
      const { summary, reports } = JSON.parse(result.stdout) as { summary: { totals: { badRows: number } }; reports: Record<string, string> };
      assert.equal(summary.totals.badRows, 300_000);
      assert.equal(readFileSync(reports.error_report!, 'utf8').trimEnd().split('\n').length, 300_001);
    } finally {
      workspace.remove();
    }
  });
});
