// Runs the UI suite (extension/test/ui/*.spec.mjs) with mocha: a real VS Code workbench from
// code-server, driven by chromium through playwright-core. Screenshots go to
// .test-artifacts/ui/ (emptied at the start of each run). Exit code: 0 when every test
// passes, 1 on a failure, 124 when the watchdog fires, 2 on a usage error. code-server and
// the browser are stopped in every case.
//
//   node extension/test/run-ui-suite.mjs [--build] [--docs] [--keep]
//     --build  run `node esbuild.mjs` first (otherwise extension/dist must exist)
//     --docs   also write the README's screenshots in docs/screenshots/
//     --keep   keep the temp workspace, code-server and browser state (kept anyway on failure)
//   KEYSYNC_UI_TIMEOUT_MS  watchdog for the whole run (default 300000)
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Mocha from 'mocha';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const uiDir = path.join(repo, 'extension/test/ui');
const flags = new Set(process.argv.slice(2));
for (const flag of flags) {
  if (!['--build', '--docs', '--keep'].includes(flag)) {
    console.error(`unknown option ${flag}\nusage: node extension/test/run-ui-suite.mjs [--build] [--docs] [--keep]`);
    process.exit(2);
  }
}
// Read by ui/session.mjs, which is imported below (after these are set).
if (flags.has('--docs')) process.env.KEYSYNC_UI_DOCS = '1';
if (flags.has('--keep')) process.env.KEYSYNC_UI_KEEP = '1';

if (flags.has('--build')) execFileSync(process.execPath, ['esbuild.mjs'], { cwd: repo, stdio: 'inherit' });
if (!existsSync(path.join(repo, 'extension/dist/extension.cjs'))) {
  console.error('extension/dist/extension.cjs is missing: run `node esbuild.mjs` first (or pass --build).');
  process.exit(2);
}

const { ARTIFACTS, activePage, markFailed, stopSession } = await import('./ui/session.mjs');
rmSync(ARTIFACTS, { recursive: true, force: true });

let finishing = false;
/** Stops code-server and the browser, then exits; the first caller wins. */
async function finish(code, reason) {
  if (finishing) return;
  finishing = true;
  if (reason) console.error(`\n[ui] ${reason}`);
  if (code !== 0) {
    markFailed();
    await activePage()
      ?.screenshot({ path: path.join(ARTIFACTS, 'failure-watchdog.png'), timeout: 5_000 })
      .catch(() => {});
  }
  await stopSession().catch((error) => console.error(`[ui] cleanup: ${error.message}`));
  console.log(`[ui] artifacts: ${ARTIFACTS}`);
  process.exit(code);
}

const timeoutMs = Number(process.env.KEYSYNC_UI_TIMEOUT_MS ?? 300_000);
setTimeout(() => void finish(124, `timed out after ${timeoutMs} ms`), timeoutMs).unref();
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void finish(130, `${signal}: stopping`));
process.on('unhandledRejection', (error) => void finish(1, `unhandled rejection: ${error?.stack ?? error}`));

const started = Date.now();
const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', color: process.stdout.isTTY, timeout: 60_000, bail: true });
for (const file of readdirSync(uiDir).filter((name) => name.endsWith('.spec.mjs')).sort()) mocha.addFile(path.join(uiDir, file));
await mocha.loadFilesAsync();
const failures = await new Promise((resolve) => mocha.run(resolve));
console.log(`[ui] ${failures ? `${failures} failed` : 'passed'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
await finish(failures ? 1 : 0);
