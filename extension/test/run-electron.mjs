// The same in-host suite through @vscode/test-electron, for machines that can download
// VS Code (this one cannot: see .ci/vscode-host). The database driver is left on `auto`:
// desktop VS Code's Electron ABI usually rejects better-sqlite3, so the WASM fallback runs.
// `npm run test:electron`
import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runTests } from '@vscode/test-electron';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const workspace = mkdtempSync(path.join(os.tmpdir(), 'ks-ws-electron-'));
cpSync(path.join(repo, 'testdata/clean'), workspace, { recursive: true });
mkdirSync(path.join(workspace, '.vscode'));
writeFileSync(path.join(workspace, '.vscode/settings.json'), JSON.stringify({ 'keysync.databaseDriver': 'auto' }, null, 2));

try {
  await runTests({
    version: process.env.VSCODE_VERSION ?? 'stable',
    extensionDevelopmentPath: path.join(repo, 'extension'),
    extensionTestsPath: path.join(repo, 'extension/dist/test/suite/index.cjs'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust'],
    extensionTestsEnv: { KEYSYNC_EXPECT_DRIVER: 'auto' },
  });
} catch (error) {
  console.error(`test-electron: ${error instanceof Error ? error.message : error}`);
  process.exit(1);
}
