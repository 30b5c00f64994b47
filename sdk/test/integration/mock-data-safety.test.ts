/**
 * Mock data never overwrites a file it did not write: the real CLI refuses (exit 2, files
 * byte-identical) unless given --force, while regenerating its own mock data — what
 * `npm start` does every time — needs no flag.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { filesMockDataWouldOverwrite, generateMockData, isKeySyncError, MOCK_DATA_WOULD_OVERWRITE } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

const REAL_CONFIG = `authority: CRM
sources:
  CRM: { path: ./exports/crm.csv, key_column: customer_id }
  ERP: { path: ./exports/erp.csv, key_column: customer_id }
logging: { file: null }
`;
const CRM = 'customer_id,name\nC-001,Ana\nC-002,Bo\n';
const ERP = 'customer_id,city\nC-001,Porto\nC-003,Lyon\n';

describe('mock data never overwrites real files', function () {
  let workspace: TempWorkspace;
  beforeEach(() => {
    workspace = tempWorkspace();
    mkdirSync(workspace.file('exports'));
    writeFileSync(workspace.config, REAL_CONFIG);
    writeFileSync(workspace.file('exports/crm.csv'), CRM);
    writeFileSync(workspace.file('exports/erp.csv'), ERP);
  });
  afterEach(() => workspace.remove());

  const unchanged = () => {
    assert.equal(readFileSync(workspace.file('exports/crm.csv'), 'utf8'), CRM);
    assert.equal(readFileSync(workspace.file('exports/erp.csv'), 'utf8'), ERP);
  };

  it('refuses without --force: exit 2, names both files, leaves them byte-identical and runs nothing', async () => {
    const result = await runCli(['-c', workspace.config, '--generate-data', '--keys', '50']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /would overwrite 2 files that KeySync did not generate: .*exports\/crm\.csv, .*exports\/erp\.csv\. Nothing was written\. — .*--force/);
    unchanged();
    assert.equal(readFileSync(workspace.config, 'utf8'), REAL_CONFIG);
  });

  it('overwrites them with --force', async () => {
    const result = await runCli(['-c', workspace.config, '--generate-data', '--force', '--keys', '50', '-q']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(readFileSync(workspace.file('exports/crm.csv'), 'utf8'), /^customer_id,last_seen_at,system,status\n/, 'the configured key_column heads the mock file');
  });

  it('regenerates its own mock data without --force, but not once the user has edited it', async () => {
    writeFileSync(workspace.config, REAL_CONFIG.replaceAll(', key_column: customer_id', ''));
    await generateMockData({ dir: workspace.dir, keys: 50, seed: 1, force: true });
    const again = await runCli(['-c', workspace.config, '--generate-data', '--keys', '50', '--seed', '2', '-q']);
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(filesMockDataWouldOverwrite({ dir: workspace.dir }), []);

    const edited = `${readFileSync(workspace.file('exports/erp.csv'), 'utf8')}MY-OWN-ROW,2026-01-01,ERP,active\n`;
    writeFileSync(workspace.file('exports/erp.csv'), edited);
    assert.deepEqual(filesMockDataWouldOverwrite({ dir: workspace.dir }), [workspace.file('exports/erp.csv')]);
    await assert.rejects(generateMockData({ dir: workspace.dir, keys: 50 }), (error) => isKeySyncError(error) && error.code === MOCK_DATA_WOULD_OVERWRITE);
    assert.equal(readFileSync(workspace.file('exports/erp.csv'), 'utf8'), edited);
  });

  it('writes into an empty folder (config included) and refuses --force without --generate-data', async () => {
    const empty = tempWorkspace();
    try {
      const result = await runCli(['-c', empty.config, '--generate-data', '--keys', '50', '-q']);
      assert.equal(result.code, 0, result.stderr);
      assert.match(readFileSync(empty.file('input/A.csv'), 'utf8'), /^key,last_seen_at,system,status\n/);
    } finally {
      empty.remove();
    }
    const stray = await runCli(['-c', workspace.config, '--force']);
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /--force only apply with --generate-data/);
    unchanged();
  });
});
