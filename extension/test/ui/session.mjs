// The UI suite's fixture and page helpers: a temp copy of testdata/clean, code-server with the
// extension under development, chromium on the workbench, and locators scoped to KeySync's UI.
// One session at a time; stopSession() is idempotent so the runner's watchdog can call it too.
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchBrowser, openWorkbench, startCodeServer } from '../../../.ci/vscode-host/harness.mjs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const ARTIFACTS = path.join(REPO, '.test-artifacts/ui');
export const DOCS_SCREENSHOTS = path.join(REPO, 'docs/screenshots');
/** Set by `run-ui-suite.mjs --docs`: also write the README screenshots. */
export const WRITE_DOCS = process.env.KEYSYNC_UI_DOCS === '1';
const KEEP = process.env.KEYSYNC_UI_KEEP === '1';

let active;

/**
 * Starts everything: a temp workspace (testdata/clean + .vscode/settings.json), code-server,
 * chromium, and the workbench with the extension loaded. Returns { page, workspace, ... }.
 * The session is registered before each step, so stopSession() cleans up a half-started one.
 */
export async function startSession({ driver = 'native' } = {}) {
  assert.equal(active, undefined, 'one UI session at a time');
  // Short root: code-server's socket paths must stay under 107 bytes (see the harness README).
  const root = mkdtempSync(path.join(os.tmpdir(), 'ks-ui-'));
  active = { root, failed: false };
  const workspace = path.join(root, 'keysync-demo');
  cpSync(path.join(REPO, 'testdata/clean'), workspace, { recursive: true });
  mkdirSync(path.join(workspace, '.vscode'));
  writeFileSync(
    path.join(workspace, '.vscode/settings.json'),
    JSON.stringify(
      {
        'keysync.databaseDriver': driver,
        // Only for tidy screenshots: a fixed theme, and the full CSV rows visible.
        'workbench.colorTheme': 'Default Dark Modern',
        'editor.minimap.enabled': false,
        'editor.occurrencesHighlight': 'off',
      },
      null,
      2,
    ),
  );
  active.workspace = workspace;
  active.server = await startCodeServer({ workDir: path.join(root, 'cs') });
  active.context = await launchBrowser({ userDataDir: path.join(root, 'browser'), viewport: { width: 1280, height: 800 } });
  active.pageErrors = [];
  active.page = await openWorkbench(active.context, active.server, {
    folder: workspace,
    extensionDevelopmentPath: path.join(REPO, 'extension'),
  });
  active.page.on('pageerror', (error) => active?.pageErrors.push(error.message));
  return active;
}

/** Marks the session failed: its temp folder is kept and code-server's log copied to the artifacts. */
export function markFailed() {
  if (active) active.failed = true;
}

/** Closes the browser and stops code-server (whole process group); safe to call twice. */
export async function stopSession() {
  const session = active;
  active = undefined;
  if (!session) return;
  await session.context?.close().catch(() => {});
  await session.server?.stop();
  if (session.failed && session.server) {
    mkdirSync(ARTIFACTS, { recursive: true });
    copyFileSync(session.server.logFile, path.join(ARTIFACTS, 'code-server.log'));
    if (session.pageErrors?.length) writeFileSync(path.join(ARTIFACTS, 'page-errors.log'), `${session.pageErrors.join('\n')}\n`);
  }
  if (session.failed || KEEP) console.log(`  [ui] kept ${session.root}`);
  else rmSync(session.root, { recursive: true, force: true });
}

/** The page of the running session (for the watchdog's last screenshot). */
export const activePage = () => active?.page;

/** Saves `<name>.png` under .test-artifacts/ui/ and, with `docs`, under docs/screenshots/ too. */
export async function screenshot(page, name, { docs } = {}) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  if (docs && WRITE_DOCS) {
    mkdirSync(DOCS_SCREENSHOTS, { recursive: true });
    copyFileSync(file, path.join(DOCS_SCREENSHOTS, docs));
  }
  return file;
}

/** Retries `check` (which throws on failure) until it passes or `timeoutMs` runs out; rethrows the last error. */
export async function eventually(check, { timeoutMs = 15_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }
}

// ---- locators --------------------------------------------------------------------------

const exactly = (text) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

/** KeySync's entry in the activity bar (its link's aria-label also carries the badge tooltip). */
export const activityItem = (page) =>
  page.locator('.activitybar li.action-item', { has: page.locator('a.action-label[aria-label^="KeySync"]') });

export const activityBadge = (page) => activityItem(page).locator('.badge .badge-content');

/** The body of the Discrepancies view's pane in the KeySync container. */
export const discrepanciesPane = (page) =>
  page
    .locator('[id="workbench.view.extension.keysync"] .pane', { has: page.locator('.pane-header[aria-label^="Discrepancies"]') })
    .locator('.pane-body');

/** A tree row by its exact label (not its description). */
export const treeRow = (pane, label) =>
  pane.locator('.monaco-list-row', { has: pane.page().locator('.label-name', { hasText: exactly(label) }) });

/** Labels of the tree rows at an aria-level, in display order. */
export const rowLabels = (pane, level) => pane.locator(`.monaco-list-row[aria-level="${level}"] .label-name`).allInnerTexts();

export const statusBarItem = (page) => page.locator('[id="keysync.keysync-vscode.keysync.status"]');

/** The workbench's modal dialog (a `{ modal: true }` message); its buttons are `.dialog-buttons .monaco-button`. */
export const dialog = (page) => page.locator('.monaco-dialog-box');

export const lensLinks = (page) => page.locator('.part.editor .codelens-decoration a');

/** The rendered editor line containing `text` (Monaco renders spaces as no-break spaces). */
export const editorLine = (page, text) => page.locator('.part.editor .view-line', { hasText: text });

export const lineText = async (line) => (await line.innerText()).replace(/\u00a0/g, ' ');

/** The CodeLens link `title` drawn above the editor line containing `text`. */
export async function lensAbove(page, text, title) {
  const line = await editorLine(page, text).boundingBox();
  assert.ok(line, `line with ${text} is rendered`);
  let nearest;
  for (const decoration of await page.locator('.part.editor .codelens-decoration').all()) {
    const box = await decoration.boundingBox();
    if (box && box.y + box.height <= line.y + 1 && (!nearest || box.y > nearest.y)) nearest = { y: box.y, decoration };
  }
  assert.ok(nearest, `a CodeLens above the line with ${text}`);
  return nearest.decoration.locator('a', { hasText: exactly(title) });
}

/** Drags the sash between the side bar and the editor so the side bar is `width` px wide. */
export async function setSideBarWidth(page, width) {
  const sideBar = await page.locator('.part.sidebar').boundingBox();
  const edge = sideBar.x + sideBar.width;
  for (const sash of await page.locator('.monaco-sash.vertical').all()) {
    const box = await sash.boundingBox();
    if (!box || Math.abs(box.x + box.width / 2 - edge) > 4 || box.height < sideBar.height / 2) continue;
    const y = box.y + box.height / 2;
    await page.mouse.move(box.x + box.width / 2, y);
    await page.mouse.down();
    await page.mouse.move(sideBar.x + width, y, { steps: 5 });
    await page.mouse.up();
    return;
  }
  throw new Error('no sash on the side bar edge');
}

/** Moves the mouse off anything with a hover, for screenshots without tooltips. */
export async function parkMouse(page) {
  const status = await page.locator('.statusbar').boundingBox();
  await page.mouse.move(status.x + status.width / 2, status.y - 200);
}
