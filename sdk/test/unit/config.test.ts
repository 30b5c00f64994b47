import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_FILE_NAME, loadConfig, parseConfigText } from '../../src/config/load.js';
import { configJsonSchema, configSchema } from '../../src/config/schema.js';
import { configTemplate } from '../../src/config/template.js';
import { KeySyncError } from '../../src/errors.js';
import { useScratchDir } from '../helpers/workspace.js';

const SDK_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The defaults docs/behaviour.md §1 lists, written out so a changed default fails here. */
const SPEC_DEFAULTS = {
  authority: 'A',
  sources: new Map(
    ['A', 'B', 'C', 'D', 'E'].map((s) => [s, { type: 'csv', path: `./input/${s}.csv`, key_column: 'key', delimiter: ',', encoding: 'utf-8' }]),
  ),
  normalize: { trim_whitespace: true, uppercase: true, collapse_delims: '-', strip_non_alnum: true, left_pad_numbers: false, pad_length: 6 },
  provisioning: { strategy: 'mirror', namespace_prefix: 'MASTER', auto_approve: false },
  matching: { enabled: true, max_distance: 2, max_candidates: 3, min_score: 0.85 },
  simulation: { seed: 42, scenario: 'normal', keys_per_system: 1000 },
  processing: { mode: 'full', parallel: true, max_workers: 0, engine: 'node' },
  output: { directory: './output', csv_injection_guard: true, generate_trend_analysis: true },
  database: { type: 'sqlite', path: './data/keysync.db', busy_timeout_ms: 15_000, backup_enabled: false, backup_count: 5 },
  logging: { level: 'info', file: './logs/keysync.log' },
  error_handling: { on_missing_file: 'skip', on_corrupt_data: 'log', retry_attempts: 0, retry_delay_seconds: 1 },
};

describe('loadConfig / parseConfigText (docs/behaviour.md §1)', () => {
  const scratch = useScratchDir();
  let count = 0;

  /** Writes a config into a fresh workspace folder and returns its path. */
  function workspace(text: string | Buffer): string {
    const folder = path.join(scratch(), `ws-${++count}`);
    mkdirSync(folder);
    const file = path.join(folder, CONFIG_FILE_NAME);
    writeFileSync(file, text);
    return file;
  }

  /** Loads the config and returns the KeySyncError it throws. */
  function failure(text: string): { error: KeySyncError; file: string } {
    const file = workspace(text);
    try {
      loadConfig(file);
    } catch (error) {
      assert.ok(error instanceof KeySyncError, `expected a KeySyncError, got ${String(error)}`);
      return { error, file };
    }
    assert.fail('loadConfig accepted an invalid config');
  }

  describe('defaults and paths', () => {
    it('a missing config file means all defaults, with file: null', () => {
      const folder = path.join(scratch(), 'no-config-here');
      const config = loadConfig(path.join(folder, CONFIG_FILE_NAME));
      assert.strictEqual(config.file, null);
      assert.strictEqual(config.baseDir, folder);
      assert.deepStrictEqual(config.values, SPEC_DEFAULTS);
    });

    it('an empty config file also means all defaults', () => {
      const file = workspace('');
      const config = loadConfig(file);
      assert.strictEqual(config.file, file);
      assert.deepStrictEqual(config.values, SPEC_DEFAULTS);
    });

    it('resolves relative paths against the config file’s folder, not the working directory', () => {
      const file = workspace(
        ['authority: A', 'sources:', '  A: { path: ./input/A.csv }', '  B: { path: ../elsewhere/B.csv }', 'database: { path: data/k.db }', ''].join('\n'),
      );
      const config = loadConfig(path.relative(process.cwd(), file));
      const folder = path.dirname(file);
      assert.strictEqual(config.file, file);
      assert.strictEqual(config.baseDir, folder);
      assert.strictEqual(path.resolve(config.baseDir, (config.values.sources.get('A') as { path: string }).path), path.join(folder, 'input', 'A.csv'));
      assert.strictEqual(path.resolve(config.baseDir, (config.values.sources.get('B') as { path: string }).path), path.join(scratch(), 'elsewhere', 'B.csv'));
      assert.strictEqual(config.values.database.type, 'sqlite');
      assert.strictEqual(path.resolve(config.baseDir, config.values.database.type === 'sqlite' ? config.values.database.path : ''), path.join(folder, 'data', 'k.db'));
    });

    it('fills defaults inside a section that is only partly written, keeping source order', () => {
      const file = workspace('sources:\n  crm: { path: c.csv, delimiter: ";" }\n  erp: { path: e.csv }\nauthority: erp\n');
      const { values } = loadConfig(file);
      assert.deepStrictEqual([...values.sources.keys()], ['crm', 'erp']);
      assert.deepStrictEqual(values.sources.get('crm'), { type: 'csv', path: 'c.csv', key_column: 'key', delimiter: ';', encoding: 'utf-8' });
      assert.strictEqual(values.authority, 'erp');
    });

    it('keeps system names as written and in config order, numeric-looking ones too', () => {
      const file = workspace(
        ['authority: 007', 'sources:', '  A: { path: a.csv }', '  B: { path: b.csv }', '  "2": { path: 2.csv }', '  1e3: { path: e.csv }', '  007: { path: 7.csv }', '  0x1F: { path: x.csv }', ''].join('\n'),
      );
      const { values } = loadConfig(file);
      assert.deepStrictEqual([...values.sources.keys()], ['A', 'B', '2', '1e3', '007', '0x1F']);
      assert.strictEqual((values.sources.get('1e3') as { path: string }).path, 'e.csv');
      assert.strictEqual(values.authority, '007');
    });

    it('refuses one system listed twice as 2 and "2" (YAML alone sees two keys)', () => {
      const { error } = failure('sources:\n  2: { path: a.csv }\n  B: { path: b.csv }\n  "2": { path: c.csv }\nauthority: B\n');
      assert.strictEqual(error.code, 'CONFIG_INVALID');
      assert.strictEqual(error.line, 4);
      assert.match(error.message, /system "2" is listed twice \(lines 2 and 4\)/);
    });

    it('supports YAML merge keys (<<) between sources, explicit keys winning', () => {
      const clean = workspace(['sources:', '  A: &semi { path: a.csv, delimiter: ";", key_column: id }', '  B:', '    <<: *semi', '    path: b.csv', '  C: { <<: [*semi], encoding: latin1 }', ''].join('\n'));
      const { values } = loadConfig(clean);
      assert.deepStrictEqual([...values.sources.keys()], ['A', 'B', 'C']);
      assert.deepStrictEqual(values.sources.get('B'), { type: 'csv', path: 'b.csv', key_column: 'id', delimiter: ';', encoding: 'utf-8' });
      assert.deepStrictEqual(values.sources.get('C'), { type: 'csv', path: 'a.csv', key_column: 'id', delimiter: ';', encoding: 'latin1' });
    });

    it('a merge key given something other than a mapping is a YAML error saying so', () => {
      const { error } = failure('sources:\n  A: { <<: 5, path: a.csv }\n');
      assert.strictEqual(error.code, 'CONFIG_YAML_SYNTAX');
      assert.match(error.message, /Merge sources must be maps/);
      assert.match(error.remedy!, /merge key \(<<\) takes a mapping/);
    });

    it('points errors in merged values at the line they are written on', () => {
      const text = [
        'sources:', //                                  1
        '  A: &base', //                                2
        '    path: a.csv', //                           3
        '    delimiter: ";;"', //                       4
        '    key_colum: id', //                         5
        '  B:', //                                      6
        '    <<: *base', //                             7
        '    path: b.csv', //                           8
        '    encoding: ebcdic', //                      9
        '',
      ].join('\n');
      const { error } = failure(text);
      assert.strictEqual(error.code, 'CONFIG_INVALID');
      const listed = error.message.split('\n').slice(1).map((line) => line.trim());
      assert.deepStrictEqual(listed.filter((line) => line.startsWith('line 4:')).length, 2, error.message);
      assert.deepStrictEqual(listed.filter((line) => line.startsWith('line 5:')).length, 2, error.message);
      assert.ok(listed.some((line) => /^line 5: unknown key "sources\.B\.key_colum"/.test(line)), error.message);
      assert.ok(listed.some((line) => /^line 9: sources\.B\.encoding: "ebcdic" is not allowed/.test(line)), error.message);
      assert.doesNotMatch(error.message, /<</);
    });

    it('accepts a UTF-8 BOM at the start of the config', () => {
      const file = workspace(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('authority: B\nsources:\n  B: { path: b.csv }\n')]));
      assert.strictEqual(loadConfig(file).values.authority, 'B');
    });

    it('refuses a folder given as the config path (CONFIG_NOT_A_FILE)', () => {
      const folder = path.dirname(workspace(''));
      assert.throws(() => loadConfig(folder), (error: unknown) => error instanceof KeySyncError && error.code === 'CONFIG_NOT_A_FILE');
    });
  });

  describe('errors name the file, line, key and what is allowed', () => {
    it('an unknown top-level key, with the closest known key and its line', () => {
      const { error, file } = failure('authority: A\n\n# comment\nnormalise:\n  uppercase: true\n');
      assert.strictEqual(error.code, 'CONFIG_INVALID');
      assert.strictEqual(error.file, file);
      assert.strictEqual(error.line, 4);
      assert.match(error.message, /unknown key "normalise"/);
      assert.match(error.message, /did you mean "normalize"\?/);
    });

    it('an unknown key with nothing close lists the known keys without a guess', () => {
      const { error } = failure('authority: A\nzzzzzz: 1\n');
      assert.strictEqual(error.line, 2);
      assert.doesNotMatch(error.message, /did you mean/);
      assert.match(error.message, /^unknown key "zzzzzz"; known keys: authority, sources, normalize, provisioning,/);
    });

    it('an unknown key inside a source, with the source’s keys as suggestions', () => {
      const { error } = failure('sources:\n  A:\n    path: a.csv\n    key_colum: id\n');
      assert.strictEqual(error.code, 'CONFIG_INVALID');
      assert.strictEqual(error.line, 4);
      assert.match(error.message, /unknown key "sources\.A\.key_colum"; did you mean "key_column"\?/);
    });

    it('a value of the wrong type', () => {
      const { error, file } = failure('authority: A\nprocessing:\n  max_workers: lots\n');
      assert.strictEqual(error.code, 'CONFIG_INVALID');
      assert.strictEqual(error.file, file);
      assert.strictEqual(error.line, 3);
      assert.strictEqual(error.message, 'processing.max_workers: expected number, got "lots"');
    });

    it('a bad enum value, listing the allowed values', () => {
      const { error } = failure('provisioning:\n  auto_approve: false\n  strategy: mirrored\n');
      assert.strictEqual(error.code, 'CONFIG_INVALID');
      assert.strictEqual(error.line, 3);
      assert.strictEqual(error.message, 'provisioning.strategy: "mirrored" is not allowed; allowed: "mirror", "namespaced", "surrogate"');
    });

    it('an authority that names no configured source', () => {
      const { error } = failure('sources:\n  A: { path: a.csv }\n  B: { path: b.csv }\nauthority: Z\n');
      assert.strictEqual(error.code, 'CONFIG_INVALID');
      assert.strictEqual(error.line, 4);
      assert.match(error.message, /^authority: names no configured source \(sources: A, B\)$/);
    });

    it('a YAML syntax error, with its line', () => {
      const { error, file } = failure('authority: A\nsources:\n  A: { path: a.csv }\nauthority: B\n');
      assert.strictEqual(error.code, 'CONFIG_YAML_SYNTAX');
      assert.strictEqual(error.file, file);
      assert.strictEqual(error.line, 4);
      assert.match(error.message, /^YAML syntax error: /);
    });

    it('a config that is not a mapping', () => {
      const { error } = failure('- A\n- B\n');
      assert.strictEqual(error.code, 'CONFIG_NOT_A_MAPPING');
      assert.strictEqual(error.line, 1);
    });

    it('refuses a billion-laughs alias bomb (CONFIG_YAML_ALIASES)', () => {
      const lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
      const names = 'abcdefghi';
      for (let i = 1; i < names.length; i++) {
        const prev = names[i - 1]!;
        lines.push(`${names[i]}: &${names[i]} [${Array(9).fill(`*${prev}`).join(',')}]`);
      }
      const { error, file } = failure(lines.join('\n') + '\n');
      assert.strictEqual(error.code, 'CONFIG_YAML_ALIASES');
      assert.strictEqual(error.file, file);
      assert.match(error.message, /^YAML rejected: /);
    });

    it('still accepts a config that uses a few aliases', () => {
      const file = workspace('sources:\n  A: &src { path: a.csv, delimiter: ";" }\n  B: *src\n');
      const { values } = loadConfig(file);
      assert.deepStrictEqual(values.sources.get('B'), values.sources.get('A'));
    });

    it('reports several problems together, sorted by line, error.line being the first', () => {
      const text = [
        'logging:', //                      1
        '  level: loud', //                 2
        'provisioning:', //                 3
        '  strategy: mirrored', //          4
        'processing:', //                   5
        '  max_workers: -1', //             6
        'normalise: {}', //                 7
        '',
      ].join('\n');
      const { error, file } = failure(text);
      assert.strictEqual(error.code, 'CONFIG_INVALID');
      assert.strictEqual(error.file, file);
      assert.strictEqual(error.line, 2);
      const listed = error.message.split('\n');
      assert.strictEqual(listed[0], '4 problems:');
      assert.deepStrictEqual(
        listed.slice(1).map((line) => line.match(/^ {2}line (\d+): ([^ :]+)/)?.slice(1)),
        [
          ['2', 'logging.level'],
          ['4', 'provisioning.strategy'],
          ['6', 'processing.max_workers'],
          ['7', 'unknown'],
        ],
      );
      assert.match(error.message, /allowed: "debug", "info", "warn", "error"/);
    });

    it('refuses a delimiter that CSV parsing cannot separate fields with: a double quote, CR, LF', () => {
      for (const [written, shown] of [[`'"'`, '"'], ['"\\r"', 'CR'], ['"\\n"', 'LF']]) {
        const { error } = failure(`authority: A\nsources:\n  A: { path: a.csv, delimiter: ${written} }\n`);
        assert.strictEqual(error.code, 'CONFIG_INVALID', shown);
        assert.strictEqual(error.line, 3, shown);
        assert.strictEqual(error.message, 'sources.A.delimiter: must not be a double quote, CR or LF (they quote fields and end records)');
      }
      assert.strictEqual((loadConfig(workspace('sources:\n  A: { path: a.csv, delimiter: "\\t" }\n')).values.sources.get('A') as { delimiter: string }).delimiter, '\t');
    });

    it('refuses a key_column of only spaces', () => {
      const { error } = failure('sources:\n  A: { path: a.csv, key_column: "   " }\n');
      assert.strictEqual(error.line, 2);
      assert.match(error.message, /^sources\.A\.key_column: must name a column/);
    });

    it('an authority named like an Object method ("toString") is no configured source', () => {
      const { error } = failure('authority: toString\nsources:\n  A: { path: a.csv }\n');
      assert.match(error.message, /^authority: names no configured source \(sources: A\)$/);
    });

    it('counts lines from the top of the file when it starts with a BOM', () => {
      const { error } = failure('\uFEFFauthority: A\nprovisioning:\n  strategy: nope\n');
      assert.strictEqual(error.code, 'CONFIG_INVALID');
      assert.strictEqual(error.line, 3);
    });
  });

  it('parseConfigText names the file it was given', () => {
    assert.throws(
      () => parseConfigText('authority: 7\n', '/somewhere/keysync-config.yaml'),
      (error: unknown) => error instanceof KeySyncError && error.file === '/somewhere/keysync-config.yaml' && error.line === 1,
    );
  });
});

describe('the earlier tool\'s keys and enum case (KeySync Mini configs)', () => {
  it('returns one warning per earlier-tool key, with its line; ignored keys are dropped, honoured ones kept', () => {
    const { values, warnings } = parseConfigText(
      ['schedule: daily', 'processing:', '  batch_size: 500', 'database:', '  backup_enabled: true', 'logging:', '  level: INFO', ''].join('\n'),
      'keysync-config.yaml',
    );
    assert.deepStrictEqual(
      warnings.map(({ line, key, text }) => [line, key, text.split(' — ')[0]]),
      [
        [1, 'schedule', 'schedule: a KeySync Mini key, ignored'],
        [3, 'processing.batch_size', 'processing.batch_size: a KeySync Mini key, ignored'],
        [5, 'database.backup_enabled', 'database.backup_enabled: a KeySync Mini key, honoured'],
      ],
    );
    assert.equal(values.database.type === 'sqlite' && values.database.backup_enabled, true);
    assert.equal(values.logging.level, 'info');
    assert.ok(!('batch_size' in values.processing));
  });

  it('warns about backup_* beside database.type postgres, naming each setting, and drops them so the run goes on', () => {
    const { values, warnings } = parseConfigText(
      ['database:', '  type: POSTGRES', "  url: 'postgres://app@db/team'", '  backup_enabled: true', '  backup_count: 3', ''].join('\n'),
      'keysync-config.yaml',
    );
    assert.deepStrictEqual(
      warnings.map(({ line, key, text }) => [line, key, text]),
      [4, 5].map((line, i) => {
        const key = ['database.backup_enabled', 'database.backup_count'][i]!;
        return [line, key, `${key}: not used with database.type postgres — KeySync backs up only a SQLite file; backing up a server database is its administrator's job (pg_dump, the server's own backups)`];
      }),
    );
    assert.equal(values.database.type, 'postgres');
    assert.ok(!('backup_enabled' in values.database));
  });

  it('publishes enums so that editors offer the values and accept any case', () => {
    const schema = configJsonSchema() as { properties: { logging: { properties: { level: { default: string; anyOf: [{ enum: string[] }, { pattern: string }] } } } } };
    const { level } = schema.properties.logging.properties;
    assert.equal(level.default, 'info');
    assert.deepStrictEqual(level.anyOf[0].enum, ['debug', 'info', 'warn', 'error']);
    const pattern = new RegExp(level.anyOf[1].pattern);
    for (const value of ['INFO', 'Info', 'warn']) assert.match(value, pattern);
    assert.doesNotMatch('INFOX', pattern);
  });

  it('checks processing.memory_limit in the JSON Schema as the config does, in any case', () => {
    const schema = configJsonSchema() as { properties: { processing: { properties: { memory_limit: { pattern: string } } } } };
    const pattern = new RegExp(schema.properties.processing.properties.memory_limit.pattern);
    const loads = (size: string) => configSchema.safeParse({ processing: { engine: 'duckdb', memory_limit: size } }).success;
    for (const size of ['4GB', '512 mb', '1.5GiB', '2gib', '100 B', '3Tb']) {
      assert.match(size, pattern);
      assert.ok(loads(size), size);
    }
    for (const size of ['lots', '4 G', '4GBs', '1.5.2GB', ' 4GB']) {
      assert.doesNotMatch(size, pattern);
      assert.ok(!loads(size), size);
    }
  });
});

describe('configJsonSchema (docs/behaviour.md §1: the published JSON Schema)', () => {
  it('equals the committed sdk/schema/keysync-config.schema.json, so the published schema never drifts', () => {
    const committed: unknown = JSON.parse(readFileSync(path.join(SDK_DIR, 'schema', 'keysync-config.schema.json'), 'utf8'));
    assert.deepStrictEqual(JSON.parse(JSON.stringify(configJsonSchema())), committed);
  });
});

describe('configTemplate (docs/behaviour.md §1)', () => {
  it('is a valid config whose values are the defaults, apart from the simulation section it is given', () => {
    const { values } = parseConfigText(configTemplate('drift', 5000, 9), 'keysync-config.yaml');
    const defaults = configSchema.parse({});
    assert.deepStrictEqual({ ...values, simulation: defaults.simulation }, defaults);
    assert.deepStrictEqual(values.simulation, { seed: 9, scenario: 'drift', keys_per_system: 5000 });
  });
});
