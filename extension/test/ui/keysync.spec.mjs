// KeySync in a real VS Code workbench (code-server + chromium), on a fresh copy of
// testdata/clean with the native driver: run from the palette, browse the tree, approve
// from a CodeLens, preview a dry run; then what the user sees when things go wrong: a broken
// config, a failed run, mock data that would replace real files; last, the guided Create Config. Started by `node extension/test/run-ui-suite.mjs`; steps depend on each
// other, so the runner bails at the first failure.
import assert from 'node:assert/strict';
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCommand, waitForNotification } from '../../../.ci/vscode-host/harness.mjs';
import {
  activityBadge,
  activityItem,
  dialog,
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
  let workspace;

  before(async function () {
    this.timeout(120_000);
    ({ page, workspace } = await startSession({ driver: 'native' }));
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
    assert.match(message, /^KeySync: Full run \S+: overall match 40\.00%, 5 gaps, 3 out of authority, 2 master keys pending review\.$/);
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
      assert.deepEqual(await rowLabels(pane, 1), ['Summary', 'Out of authority', 'Propagation gaps', 'Duplicates', 'Master keys']),
    );
    assert.equal(await treeRow(pane, 'Summary').getAttribute('aria-expanded'), 'true');
    assert.equal(await activityBadge(page).innerText(), '2');
    assert.ok(await activityBadge(page).isVisible(), 'the badge is shown');
    assert.match(await statusBarItem(page).innerText(), /40\.00% · 2 pending/);
  });

  it('lists CUST-101 and CUST-102 under Out of authority → C', async () => {
    // Wide enough for the rows' descriptions in the screenshot.
    await setSideBarWidth(page, 470);
    await treeRow(pane, 'Out of authority').click();
    // What a screen reader announces: the system and its figures, not the tooltip's file path
    // (the Summary's "C" row reads "C, 62.50%, 3 gaps, 2 out of authority").
    const systemC = pane.locator('.monaco-list-row[aria-label="System C, 2 out-of-authority keys"]');
    await systemC.click();
    await eventually(async () => assert.deepEqual(await rowLabels(pane, 3), ['CUST-101', 'CUST-102']));
    assert.equal(await systemC.getAttribute('aria-expanded'), 'true');
    assert.equal(await pane.locator('.monaco-list-row[aria-label="C, 62.50%, 3 gaps, 2 out of authority"]').count(), 1);
    await parkMouse(page);
    await screenshot(page, 'tree', { docs: 'tree-view.png' });
  });

  it('shows Approve all on the registry report, and Approve / Reject on the row under the cursor', async () => {
    // Narrower again, so the report's rows fit beside the tree.
    await setSideBarWidth(page, 330);
    await runCommand(page, 'KeySync: Open Latest Report');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'master_key_registry' }).click();
    await page.locator('.part.editor .tab.active', { hasText: /master_key_registry_\S*\.csv/ }).waitFor();
    const allPending = 'Approve all 2 pending (move the cursor to a row to approve or reject it)';
    await eventually(async () => assert.deepEqual(await lensLinks(page).allInnerTexts(), [allPending]));
    // Compact mode (the default): the row under the cursor gets its own lens.
    await editorLine(page, ',CUST-101,').click();
    await eventually(async () => assert.deepEqual((await lensLinks(page).allInnerTexts()).sort(), ['Approve', allPending, 'Reject']));
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
    // The approved row has no lens left; the next row's lens only comes with the cursor.
    await eventually(async () => assert.deepEqual(await lensLinks(page).allInnerTexts(), ['Approve all 1 pending (move the cursor to a row to approve or reject it)']));
    await eventually(async () => assert.equal(await activityBadge(page).innerText(), '1'));
    await eventually(async () => assert.match(await statusBarItem(page).innerText(), /40\.00% · 1 pending/));
    await parkMouse(page);
    await screenshot(page, 'after-approve');
  });

  it('previews a dry run in the tree, saying nothing was saved, beside the last real run', async () => {
    await runCommand(page, 'KeySync: Dry Run');
    const toast = await waitForNotification(page, 'nothing was saved', { timeoutMs: 60_000 });
    assert.match(await toast.locator('.notification-list-item-message').innerText(), /^KeySync: Dry run \(nothing was saved\) \S+: overall match/);
    await toast.hover();
    await toast.locator('.codicon-notifications-clear').click();
    await treeRow(pane, 'Dry run preview').click();
    await eventually(async () => assert.deepEqual((await rowLabels(pane, 1)).slice(0, 2), ['Dry run preview', 'Summary']));
    await eventually(async () => assert.ok((await rowLabels(pane, 2)).some((label) => label.startsWith('Overall match'))));
    await parkMouse(page);
    await screenshot(page, 'dry-run-preview', { docs: 'dry-run-preview.png' });
    await treeRow(pane, 'Dry run preview').click();
  });

  it('shows a broken config in the view and marks the status bar stale, until it is fixed', async () => {
    const config = path.join(workspace, 'keysync-config.yaml');
    const good = readFileSync(config, 'utf8');
    // Replaced by rename, as `sed -i` and `git checkout` do.
    writeFileSync(`${config}.tmp`, `${good}provisioning:\n  strategy: mirorr\n`);
    renameSync(`${config}.tmp`, config);
    await eventually(async () => {
      const [first] = await rowLabels(pane, 1);
      assert.match(first, /^keysync-config\.yaml line \d+: provisioning\.strategy: "mirorr" is not allowed/);
    });
    await eventually(async () => assert.match(await statusBarItem(page).innerText(), /40\.00% · 1 pending \(stale\)/));
    await parkMouse(page);
    await screenshot(page, 'broken-config', { docs: 'stale-config.png' });
    writeFileSync(`${config}.tmp`, good);
    renameSync(`${config}.tmp`, config);
    await eventually(async () => assert.deepEqual((await rowLabels(pane, 1)).slice(0, 2), ['Dry run preview', 'Summary']));
    await eventually(async () => assert.doesNotMatch(await statusBarItem(page).innerText(), /stale/));
  });

  it('keeps a failed run in the status bar and the tree', async () => {
    const authority = path.join(workspace, 'input/A.csv');
    renameSync(authority, `${authority}.aside`);
    try {
      await runCommand(page, 'KeySync: Run Reconciliation');
      await waitForNotification(page, 'KeySync:', { timeoutMs: 60_000 });
      await eventually(async () => assert.match(await statusBarItem(page).innerText(), /KeySync: last run failed/));
      await eventually(async () => assert.equal((await rowLabels(pane, 1))[0], 'Last run failed'));
      await parkMouse(page);
      await screenshot(page, 'failed-run');
    } finally {
      renameSync(`${authority}.aside`, authority);
    }
  });

  it('asks in a modal before mock data replaces the fixture files, and Cancel writes nothing', async () => {
    const files = ['A', 'B', 'C'].map((system) => path.join(workspace, `input/${system}.csv`));
    const before = files.map((file) => readFileSync(file, 'utf8'));
    await runCommand(page, 'KeySync: Generate Mock Data');
    const modal = dialog(page);
    await modal.waitFor();
    assert.match(await modal.innerText(), /Overwrite 3 files that KeySync did not generate with mock data\?[\s\S]*input\/A\.csv/);
    await screenshot(page, 'mock-data-modal');
    await modal.locator('.dialog-buttons .monaco-button', { hasText: 'Cancel' }).click();
    await modal.waitFor({ state: 'detached' });
    assert.deepEqual(files.map((file) => readFileSync(file, 'utf8')), before);
  });

  it('guides Create Config through the folder\'s CSV files and a key column from each header', async () => {
    const config = path.join(workspace, 'keysync-config.yaml');
    const good = readFileSync(config, 'utf8');
    rmSync(config);
    try {
      await eventually(async () => assert.equal(await pane.locator('.welcome-view-content').isVisible(), true));
      // The failed run's error toast would cover the screenshot.
      await runCommand(page, 'Notifications: Clear All Notifications');
      await runCommand(page, 'KeySync: Create Config');
      const picker = page.locator('.quick-input-widget');
      await picker.locator('.quick-input-title', { hasText: 'the authoritative source (1/3)' }).waitFor();
      await picker.locator('.monaco-list-row', { hasText: 'input/A.csv' }).click();
      await picker.locator('.quick-input-title', { hasText: 'the other sources' }).waitFor();
      // Only B and C: untick everything else the folder holds.
      for (const row of await picker.locator('.monaco-list-row').all()) {
        const text = await row.innerText();
        const checked = (await row.getAttribute('aria-checked')) === 'true';
        if (checked !== /input\/[BC]\.csv/.test(text)) await row.locator('input[type="checkbox"], .quick-input-list-checkbox').first().click();
      }
      await page.keyboard.press('Enter');
      await picker.locator('.quick-input-title', { hasText: 'key column of A.csv' }).waitFor();
      await eventually(async () => assert.deepEqual((await picker.locator('.monaco-list-row .label-name').allInnerTexts()).slice(0, 2), ['key', 'name']));
      await parkMouse(page);
      await screenshot(page, 'guided-setup', { docs: 'guided-setup.png' });
      for (let file = 0; file < 3; file++) {
        await page.keyboard.press('Enter');
        if (file < 2) await picker.locator('.quick-input-title', { hasText: `file ${file + 2} of 3` }).waitFor();
      }
      await eventually(async () => assert.match(readFileSync(config, 'utf8'), /^authority: "A"$/m));
      const written = readFileSync(config, 'utf8');
      assert.match(written, /"B": \{ type: csv, path: ".\/input\/B.csv", key_column: "key" \}/);
      assert.match(written, /"C": \{ type: csv, path: ".\/input\/C.csv", key_column: "key" \}/);
    } finally {
      writeFileSync(config, good);
    }
  });
});
