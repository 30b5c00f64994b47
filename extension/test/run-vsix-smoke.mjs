// Packaging check: the .vsix from `npm run package` installs into a real VS Code
// (code-server, offline) and works there as a user would use it — no development path:
// run a reconciliation from the palette and see its result. A second pass removes the
// native better-sqlite3 binary from the installed extension, as when its ABI does not match
// desktop VS Code's Electron, and checks the extension falls back to the WASM driver.
// `node extension/test/run-vsix-smoke.mjs [path/to.vsix]`
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, makeWorkDir, openWorkbench, runCommand, startCodeServer, waitForNotification } from '../../.ci/vscode-host/harness.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const vsix = process.argv[2] ?? path.join(repo, readdirSync(repo).find((file) => file.endsWith('.vsix')) ?? 'missing.vsix');
const codeServer = path.join(repo, '.ci/vscode-host/node_modules/code-server/out/node/entry.js');

async function smoke({ breakNative }) {
  const workDir = makeWorkDir();
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'ks-vsix-'));
  cpSync(path.join(repo, 'testdata/clean'), workspace, { recursive: true });
  const extensions = path.join(workDir, 'extensions');
  execFileSync(process.execPath, [codeServer, '--user-data-dir', path.join(workDir, 'user'), '--extensions-dir', extensions, '--install-extension', vsix], {
    stdio: 'ignore',
    env: { ...process.env, XDG_CONFIG_HOME: path.join(workDir, 'xdg/config'), XDG_DATA_HOME: path.join(workDir, 'xdg/data') },
  });
  if (breakNative) {
    const installed = path.join(extensions, readdirSync(extensions).find((name) => name.startsWith('keysync.keysync-vscode')));
    rmSync(path.join(installed, 'node_modules/better-sqlite3/build'), { recursive: true });
  }
  const server = await startCodeServer({ workDir });
  let context;
  try {
    context = await launchBrowser({ userDataDir: path.join(workDir, 'browser') });
    const page = await openWorkbench(context, server, { folder: workspace });
    await runCommand(page, 'KeySync: Run Reconciliation', { timeoutMs: 60_000 });
    await waitForNotification(page, 'overall match 40.00%', { timeoutMs: 60_000 });
    const driverLine = findLogLine(path.join(workDir, 'user/logs'), 'database driver:');
    const expected = breakNative ? 'database driver: wasm (node-sqlite3-wasm), because native better-sqlite3 does not load here' : 'database driver: native (better-sqlite3)';
    if (!driverLine.includes(expected)) throw new Error(`log says "${driverLine}", expected "${expected}"`);
    console.log(`vsix smoke (${breakNative ? 'no native binary' : 'as packaged'}): ran a reconciliation; ${driverLine.trim()}`);
    return true;
  } catch (error) {
    console.error(`vsix smoke failed: ${error instanceof Error ? error.message : error}`);
    await context?.pages()[0]?.screenshot({ path: path.join(workDir, 'failure.png') }).catch(() => undefined);
    console.error(`artifacts: ${workDir}`);
    return false;
  } finally {
    await context?.close().catch(() => undefined);
    await server.stop();
    // Only once the editor has stopped: until then the extension may still be writing in the
    // workspace (the database's journal, the registry watch), and removing it could race them.
    rmSync(workspace, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  }
}

/** The first line containing `text` in the KeySync log channel's file. */
function findLogLine(logsDir, text) {
  const files = readdirSync(logsDir, { recursive: true }).filter((file) => String(file).endsWith('KeySync.log'));
  for (const file of files) {
    const line = readFileSync(path.join(logsDir, String(file)), 'utf8').split('\n').find((entry) => entry.includes(text));
    if (line) return line;
  }
  return '(no such log line)';
}

const results = [await smoke({ breakNative: false }), await smoke({ breakNative: true })];
process.exit(results.every(Boolean) ? 0 : 1);
