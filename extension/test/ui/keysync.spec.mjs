// KeySync in a real VS Code workbench (code-server + chromium), on a fresh copy of
// testdata/clean with the native driver: run from the palette, browse the tree, approve
// from a CodeLens. Started by `node extension/test/run-ui-suite.mjs`; steps depend on each
// other, so the runner bails at the first failure.
import assert from 'node:assert/strict';
import { runCommand, waitForNotification } from '../../../.ci/vscode-host/harness.mjs';
import {
  activityBadge,
  activityItem,
  discrepanciesPane,
  editorLine,
  eventually,
  lensAbove,
  lensLinks,
  lineText,
  markFailed,
  parkMouse,
  rowLabels,
  screenshot,
  setSideBarWidth,
  startSession,
  statusBarItem,
  stopSession,
  treeRow,
} from './session.mjs';

/** Status column of the registry report (Master Key ID,Master Key,Source System,Source Key,Status,…). */
const STATUS_COLUMN = 4;

describe('KeySync UI (clean fixture, native driver)', function () {
  this.timeout(60_000);
  let page;
  let pane;

  before(async function () {
    this.timeout(120_000);
    ({ page } = await startSession({ driver: 'native' }));
    pane = discrepanciesPane(page);
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed') return;
    markFailed();
    const name = `failure-${this.currentTest.title.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
    const file = await screenshot(page, name).catch(() => undefined);
    if (file) console.log(`  [ui] screenshot: ${file}`);
  });

  after(async function () {
    this.timeout(30_000);
    if (!page) markFailed(); // before() failed: keep what there is to look at
    await stopSession();
  });

  it('runs "KeySync: Run Reconciliation" from the command palette', async () => {
    await runCommand(page, 'KeySync: Run Reconciliation');
    const toast = await waitForNotification(page, 'overall match', { timeoutMs: 60_000 });
    const message = await toast.locator('.notification-list-item-message').innerText();
    assert.match(message, /^KeySync run \S+: overall match 40\.00%, 5 gaps, 3 out of authority, 2 master keys pending review\.$/);
    // Done with it: clear it so it does not cover later screenshots.
    await toast.hover();
    await toast.locator('.codicon-notifications-clear').click();
    await toast.waitFor({ state: 'detached' });
  });

  it('shows the counts in the KeySync view and 2 on its activity-bar badge', async () => {
    // A click on a selected entry would close the side bar again.
    if ((await activityItem(page).getAttribute('aria-selected')) !== 'true') await activityItem(page).click();
    await pane.locator('[role="tree"]').waitFor();
    await eventually(async () =>
      assert.deepEqual(await rowLabels(pane, 1), ['Summary', 'Out of authority (3)', 'Propagation gaps (5)', 'Duplicates (0)', 'Master keys (2)']),
    );
    assert.equal(await treeRow(pane, 'Summary').getAttribute('aria-expanded'), 'true');
    assert.equal(await activityBadge(page).innerText(), '2');
    assert.ok(await activityBadge(page).isVisible(), 'the badge is shown');
    assert.match(await statusBarItem(page).innerText(), /40\.00% · 2 pending/);
  });

  it('lists CUST-101 and CUST-102 under Out of authority → C', async () => {
    // Wide enough for the rows' descriptions in the screenshot.
    await setSideBarWidth(page, 470);
    await treeRow(pane, 'Out of authority (3)').click();
    await treeRow(pane, 'C (2)').click();
    await eventually(async () => assert.deepEqual(await rowLabels(pane, 3), ['CUST-101', 'CUST-102']));
    assert.equal(await treeRow(pane, 'C (2)').getAttribute('aria-expanded'), 'true');
    await parkMouse(page);
    await screenshot(page, 'tree', { docs: 'tree-view.png' });
  });

  it('shows Approve all / Approve / Reject lenses on the registry report', async () => {
    // Narrower again, so the report's rows fit beside the tree.
    await setSideBarWidth(page, 330);
    await runCommand(page, 'KeySync: Open Latest Report');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'master_key_registry' }).click();
    await page.locator('.part.editor .tab.active', { hasText: /master_key_registry_\S*\.csv/ }).waitFor();
    await eventually(async () => {
      const titles = await lensLinks(page).allInnerTexts();
      assert.deepEqual(titles.sort(), ['Approve', 'Approve', 'Approve all 2 pending', 'Reject', 'Reject']);
    });
    await parkMouse(page);
    await screenshot(page, 'codelens', { docs: 'codelens.png' });
  });

  it('approves CUST-101 from its lens: status active, 1 pending left', async () => {
    assert.equal((await lineText(editorLine(page, ',CUST-101,'))).split(',')[STATUS_COLUMN], 'proposed');
    await (await lensAbove(page, ',CUST-101,', 'Approve')).click();
    await eventually(async () => {
      assert.equal((await lineText(editorLine(page, ',CUST-101,'))).split(',')[STATUS_COLUMN], 'active');
      assert.equal((await lineText(editorLine(page, ',CUST-102,'))).split(',')[STATUS_COLUMN], 'proposed');
    });
    await eventually(async () => assert.deepEqual((await lensLinks(page).allInnerTexts()).sort(), ['Approve', 'Approve all 1 pending', 'Reject']));
    await eventually(async () => assert.equal(await activityBadge(page).innerText(), '1'));
    await eventually(async () => assert.match(await statusBarItem(page).innerText(), /40\.00% · 1 pending/));
    await parkMouse(page);
    await screenshot(page, 'after-approve');
  });
});
