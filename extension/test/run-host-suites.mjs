// Runs the in-host mocha suite inside a real VS Code (code-server, offline), once per
// database driver, each on a fresh copy of testdata/clean. Exit code: 0 when both pass.
// `node extension/test/run-host-suites.mjs [native|wasm]`
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runExtensionHostTests } from '../../.ci/vscode-host/harness.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const drivers = process.argv.slice(2).length ? process.argv.slice(2) : ['native', 'wasm'];
let failed = 0;
for (const driver of drivers) {
  const workspace = mkdtempSync(path.join(os.tmpdir(), `ks-ws-${driver}-`));
  cpSync(path.join(repo, 'testdata/clean'), workspace, { recursive: true });
  mkdirSync(path.join(workspace, '.vscode'));
  writeFileSync(path.join(workspace, '.vscode/settings.json'), JSON.stringify({ 'keysync.databaseDriver': driver }, null, 2));
  console.log(`\n=== extension host suite, ${driver} driver ===`);
  const { exitCode } = await runExtensionHostTests({
    workspaceFolder: workspace,
    extensionDevelopmentPath: path.join(repo, 'extension'),
    extensionTestsPath: path.join(repo, 'extension/dist/test/suite/index.cjs'),
    env: { KEYSYNC_EXPECT_DRIVER: driver },
    timeoutMs: 300_000,
  });
  console.log(`=== ${driver}: exit ${exitCode} ===`);
  if (exitCode === 0) rmSync(workspace, { recursive: true, force: true });
  else failed++;
}
process.exit(failed ? 1 : 0);
