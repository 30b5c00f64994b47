/**
 * readAllSources' onSourceRead, the point where the run writes a source's snapshot while
 * the others are still read (docs/decisions.md §10): called once for each source parsed
 * successfully, with the read the run keeps (and its keys digest when asked for), never for a
 * preloaded, missing or failed one, inline and in worker threads alike. Real CSV files, no
 * stand-ins.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SourceConfig } from '../../src/config/schema.js';
import { compileNormalizer, DEFAULT_NORMALIZE_RULES } from '../../src/core/normalize.js';
import type { SystemId } from '../../src/core/types.js';
import { createLogger } from '../../src/log.js';
import { readAllSources, type ReadAllOptions } from '../../src/sources/read-all.js';
import { readWithPolicy, type SourceRead } from '../../src/sources/read-source.js';
import { openSource, type ConfiguredSource } from '../../src/sources/registry.js';
import { useScratchDir } from '../helpers/workspace.js';

/** Enough rows that two files pass the size from which sources go to worker threads (4 MB). */
const BIG = 160_000;

describe('readAllSources: onSourceRead', function () {
  this.timeout(60_000);
  const scratch = useScratchDir();

  function csvSource(system: SystemId, lines: readonly string[] | undefined): ConfiguredSource {
    const file = path.join(scratch(), `${system}.csv`);
    if (lines) writeFileSync(file, ['key,name', ...lines].join('\n') + '\n');
    const config: SourceConfig = { type: 'csv', path: file, key_column: 'key', delimiter: ',', encoding: 'utf-8' };
    return openSource(system, config, { configDir: scratch(), env: {}, sqliteDriver: 'native' });
  }

  const keys = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(7, '0')},name of ${i}`);

  function options(overrides: Partial<ReadAllOptions>): ReadAllOptions {
    return {
      authority: 'A',
      rules: DEFAULT_NORMALIZE_RULES,
      parallel: false,
      maxWorkers: 2,
      onMissingFile: 'skip',
      onCorruptData: 'log',
      retry: { attempts: 0, delayMs: 0 },
      logger: createLogger({ file: null, level: 'debug' }),
      ...overrides,
    };
  }

  for (const parallel of [false, true]) {
    it(`is called once per source parsed, with its final read, never for a preloaded, missing or failed one (${parallel ? 'worker threads' : 'inline'})`, async () => {
      const size = parallel ? BIG : 5;
      const sources = [
        csvSource('A', keys('K', size)),
        csvSource('B', undefined),
        csvSource('C', keys('K', 3)),
        // A row without a key: a bad row of D's, kept in D's read.
        csvSource('D', [...keys('K', size), ',no key here']),
        csvSource('E', undefined),
      ];
      // No key column: E cannot be read at all and is left out.
      writeFileSync(path.join(scratch(), 'E.csv'), 'id\n1\n');
      const preloadedRead = await readWithPolicy(sources[2]!.reader, { normalize: compileNormalizer(DEFAULT_NORMALIZE_RULES), onCorruptData: 'log' });
      const calls: [SystemId, SourceRead][] = [];
      const logs: string[] = [];
      const logger = createLogger({ file: null, level: 'debug', sink: (_level, message) => logs.push(message) });
      const result = await readAllSources(
        sources,
        options({ parallel, logger, preloaded: new Map([['C', preloadedRead]]), keysDigestFor: new Set(['D']), onSourceRead: (system, read) => calls.push([system, read]) }),
      );
      assert.equal(logs.some((line) => /worker threads/.test(line)), parallel);

      assert.deepEqual(result.outcomes.map((outcome) => [outcome.system, outcome.status]), [['A', 'read'], ['B', 'skipped'], ['C', 'read'], ['D', 'read'], ['E', 'skipped']]);
      assert.deepEqual(calls.map(([system]) => system).sort(), ['A', 'D'], 'the parsed sources, each once');
      const indexes = new Map([result.authority, ...result.others].map((index) => [index.system, index]));
      for (const [system, read] of calls) {
        const outcome = result.outcomes.find((entry) => entry.system === system)!;
        assert.equal(read.index, indexes.get(system), `${system}: the very index the run keeps`);
        assert.equal(outcome.status === 'read' && outcome.rows, read.rows);
        assert.deepEqual(read.badRows, result.badRows.filter((row) => row.system === system), `${system}: its own bad rows`);
      }
      assert.equal(calls.find(([system]) => system === 'D')![1].badRows.length, 1);
      // The keys digest comes back only for the sources asked for, as the reader takes it of the file.
      const digestOfD = calls.find(([system]) => system === 'D')![1].keysDigest;
      assert.ok(digestOfD);
      assert.equal(await sources[3]!.reader.keysDigestMatches!(digestOfD), true);
      assert.equal(calls.find(([system]) => system === 'A')![1].keysDigest, undefined);
    });
  }

  it('whileReading runs once, before any read arrives, with one large file read in a worker meanwhile', async () => {
    const sources = [csvSource('A', keys('K', 5)), csvSource('B', keys('K', 2 * BIG))];
    const preloadedRead = await readWithPolicy(sources[0]!.reader, { normalize: compileNormalizer(DEFAULT_NORMALIZE_RULES), onCorruptData: 'log' });
    const events: string[] = [];
    const logs: string[] = [];
    const logger = createLogger({ file: null, level: 'debug', sink: (_level, message) => logs.push(message) });
    await readAllSources(
      sources,
      options({
        parallel: true,
        logger,
        preloaded: new Map([['A', preloadedRead]]),
        whileReading: () => events.push('while reading'),
        onSourceRead: (system) => events.push(`read ${system}`),
      }),
    );
    assert.deepEqual(events, ['while reading', 'read B']);
    assert.ok(logs.some((line) => /reading 1 sources in up to 2 worker threads/.test(line)), 'the one file went to a worker');
    // Without work to overlap, one file is read on this thread, as before.
    logs.length = 0;
    await readAllSources(sources, options({ parallel: true, logger, preloaded: new Map([['A', preloadedRead]]) }));
    assert.ok(logs.some((line) => /in the main thread/.test(line)));
  });

  it('whileReading that throws stops the reading with its error', async () => {
    const sources = [csvSource('A', keys('K', 5)), csvSource('B', keys('K', 2 * BIG))];
    const preloadedRead = await readWithPolicy(sources[0]!.reader, { normalize: compileNormalizer(DEFAULT_NORMALIZE_RULES), onCorruptData: 'log' });
    const read: SystemId[] = [];
    await assert.rejects(
      readAllSources(
        sources,
        options({
          parallel: true,
          preloaded: new Map([['A', preloadedRead]]),
          whileReading: () => {
            throw new Error('comparing failed');
          },
          onSourceRead: (system) => read.push(system),
        }),
      ),
      /comparing failed/,
    );
    assert.deepEqual(read, []);
  });

  it('is not called for an authority without keys: the read fails', async () => {
    const calls: SystemId[] = [];
    const sources = [csvSource('A', []), csvSource('B', keys('K', 3))];
    await assert.rejects(readAllSources(sources, options({ onSourceRead: (system) => calls.push(system) })), { code: 'AUTHORITY_EMPTY' });
    assert.deepEqual(calls, ['B']);
  });

  it('stops the reading when it throws, rejects with its error and is not called again (worker threads)', async () => {
    const sources = ['A', 'B', 'C', 'D'].map((system) => csvSource(system, keys('K', BIG / 2)));
    const logs: string[] = [];
    const calls: SystemId[] = [];
    const broke = new Error('disk full (test)');
    const reading = readAllSources(
      sources,
      options({
        parallel: true,
        logger: createLogger({ file: null, level: 'debug', sink: (_level, message) => logs.push(message) }),
        onSourceRead: (system) => {
          calls.push(system);
          throw broke;
        },
      }),
    );
    await assert.rejects(reading, (error) => error === broke);
    assert.equal(calls.length, 1, `called once: ${calls.join(', ')}`);
    assert.ok(logs.some((line) => /worker threads/.test(line)), 'the sources were read in workers');
  });
});
