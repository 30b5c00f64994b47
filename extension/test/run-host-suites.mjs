// Runs the in-host mocha suite inside a real VS Code (code-server, offline), once per
// database driver, each on a fresh copy of testdata/clean, then the untrusted-folder suite
// with workspace trust on. `reversed` (not in the default set) runs the native pass with the files
// in reverse order, to check that no file depends on another's state. Exit code: 0 when all pass.
// `node extension/test/run-host-suites.mjs [native|wasm|untrusted|reversed ...]`; with
// KEYSYNC_SUITE_ONLY=<part of a file name> in the environment, only those suite files run.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runExtensionHostTests } from '../../.ci/vscode-host/harness.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const passes = process.argv.slice(2).length ? process.argv.slice(2) : ['native', 'wasm', 'untrusted'];
let failed = 0;
for (const pass of passes) {
  const untrusted = pass === 'untrusted';
  const reversed = pass === 'reversed';
  const driver = untrusted || reversed ? 'native' : pass;
  const workspace = mkdtempSync(path.join(os.tmpdir(), `ks-ws-${driver}-`));
  cpSync(path.join(repo, 'testdata/clean'), workspace, { recursive: true });
  mkdirSync(path.join(workspace, '.vscode'));
  writeFileSync(path.join(workspace, '.vscode/settings.json'), JSON.stringify({ 'keysync.databaseDriver': driver }, null, 2));
  console.log(`\n=== extension host suite, ${untrusted ? 'untrusted folder' : `${driver} driver${reversed ? ', files in reverse order' : ''}`} ===`);
  const { exitCode } = await runExtensionHostTests({
    workspaceFolder: workspace,
    extensionDevelopmentPath: path.join(repo, 'extension'),
    extensionTestsPath: path.join(repo, `extension/dist/test/${untrusted ? 'untrusted' : 'suite'}/index.cjs`),
    env: { KEYSYNC_EXPECT_DRIVER: driver, ...(reversed ? { KEYSYNC_SUITE_ORDER: 'reverse' } : {}) },
    timeoutMs: 300_000,
    workspaceTrust: untrusted,
  });
  console.log(`=== ${pass}: exit ${exitCode} ===`);
  if (exitCode === 0) rmSync(workspace, { recursive: true, force: true });
  else failed++;
}
process.exit(failed ? 1 : 0);
