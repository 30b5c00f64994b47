/** Security habits checked on the shipped code: no eval, no shell command strings. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/workspace.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mjs|js)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const FORBIDDEN: readonly [RegExp, string][] = [
  [/\beval\s*\(/, 'eval('],
  [/\bnew\s+Function\s*\(/, 'new Function('],
  [/\beval:\s*true/, 'a worker started from a code string (eval: true)'],
  // Neither the SDK nor the extension starts processes, so no command string can be built.
  [/from\s+['"](node:)?child_process['"]/, 'child_process import'],
];

describe('code hygiene of the shipped code (sdk/src, extension/src)', () => {
  const files = [...sources(path.join(REPO_ROOT, 'sdk/src')), ...sources(path.join(REPO_ROOT, 'extension/src'))];

  it('covers the shipped source files', () => assert.ok(files.length > 40));

  for (const [pattern, what] of FORBIDDEN) {
    it(`has no ${what}`, () => {
      const offenders = files.filter((file) => pattern.test(readFileSync(file, 'utf8'))).map((file) => path.relative(REPO_ROOT, file));
      assert.deepEqual(offenders, []);
    });
  }
});
