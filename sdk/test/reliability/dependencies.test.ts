/**
 * The layer order of .dependency-cruiser.cjs holds for the SDK and the extension: no import
 * cycle (type-only imports included), no import against the order. A planted tree with a
 * violation of each kind proves the check can fail.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runProcess } from '../helpers/cli.js';
import { REPO_ROOT, useScratchDir } from '../helpers/workspace.js';

const DEPCRUISE = path.join(REPO_ROOT, 'node_modules/.bin/depcruise');
const CONFIG = path.join(REPO_ROOT, '.dependency-cruiser.cjs');

function cruise(cwd: string, ...folders: string[]) {
  return runProcess(DEPCRUISE, ['--config', CONFIG, '--output-type', 'err', ...folders], { cwd });
}

describe('module dependencies follow the layer order', () => {
  const scratch = useScratchDir();

  it('the SDK and the extension have no cycle and no import against the order', async function () {
    this.timeout(120_000);
    const result = await cruise(REPO_ROOT, 'sdk/src', 'extension/src');
    assert.equal(result.code, 0, result.stdout + result.stderr);
  });

  it('the check catches a cycle, an edge importing another edge, core importing an edge and a type-only import', async function () {
    this.timeout(120_000);
    const root = scratch();
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    };
    write('tsconfig.json', JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }));
    write('package.json', JSON.stringify({ type: 'module' }));
    write('sdk/src/core/pure.ts', "import type { Row } from '../store/repo.js';\nexport const pure = (row: Row) => row;\n");
    write('sdk/src/store/repo.ts', "import { read } from '../sources/reader.js';\nexport interface Row { id: number }\nexport const repo = read;\n");
    write('sdk/src/sources/reader.ts', "import type { Row } from '../store/repo.js';\nexport const read = (row: Row) => row;\n");
    const result = await cruise(root, 'sdk/src');
    assert.notEqual(result.code, 0);
    const output = result.stdout + result.stderr;
    for (const rule of ['no-circular', 'core-imports-core-and-base', 'store-imports-no-other-edge', 'sources-imports-no-other-edge']) {
      assert.match(output, new RegExp(rule), `${rule} is reported:\n${output}`);
    }
  });
});
