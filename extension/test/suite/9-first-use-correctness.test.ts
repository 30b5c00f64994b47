/**
 * First-use correctness: mock data never replaces files without a modal, a config
 * replaced on disk is the one a run uses and the views follow, a dry run's reports are
 * read-only, a broken config and a failed run stay visible until they are fixed.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import sinon from 'sinon';
import * as vscode from 'vscode';
import type { ReconcileResult } from '@keysync/sdk';
import { DRY_RUN_LENS_TITLE } from '../../src/codelens/report-lens.js';
import type { TreeNode } from '../../src/tree/tree-nodes.js';
import { folder, freshWorkspace, keysync, runCli } from './helpers.js';

const config = () => path.join(folder(), 'keysync-config.yaml');
const input = (system: string) => path.join(folder(), `input/${system}.csv`);

/** Replaces a file the way `sed -i`, `git checkout` and many editors do: a new file renamed over it. */
function replaceByRename(file: string, text: string): void {
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, text);
  renameSync(temp, file);
}

/** Polls until `check` passes: the views follow file-watcher events, which arrive a moment later. */
async function eventually(check: () => Promise<void>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await (await keysync()).settled();
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

async function roots(): Promise<TreeNode[]> {
  return (await keysync()).tree.getChildren();
}

function stubMockDataPrompts(): void {
  const picks = sinon.stub(vscode.window, 'showQuickPick');
  picks.onFirstCall().callsFake(async (items) => ((await items) as vscode.QuickPickItem[]).find((item) => item.label === 'normal'));
  picks.onSecondCall().resolves('1,000' as never);
  sinon.stub(vscode.window, 'showInputBox').resolves('42');
  sinon.stub(vscode.window, 'showInformationMessage').resolves(undefined);
}

describe('first-use correctness', () => {
  before(() => freshWorkspace('9-first-use-correctness'));

  const original = () => readFileSync(config(), 'utf8');
  let goodConfig = '';
  before(() => (goodConfig = original()));
  afterEach(() => sinon.restore());

  describe('mock data never replaces a file it did not write without asking', () => {
    let edited = '';
    before(async () => {
      // Mock data of its own; then an edit makes B.csv the user's data.
      const generated = await runCli(['--generate-data', '--force', '--keys', '1000', '-q']);
      assert.equal(generated.code, 0, generated.stderr);
      edited = `${readFileSync(input('B'), 'utf8')}MY-OWN-KEY,2026-01-01,B,active\n`;
      writeFileSync(input('B'), edited);
    });

    it('cancelling the modal that names the file leaves every file untouched', async () => {
      const a = readFileSync(input('A'));
      const modal = sinon.stub(vscode.window, 'showWarningMessage').resolves(undefined);
      stubMockDataPrompts();
      await vscode.commands.executeCommand('keysync.generateMockData');
      assert.equal(modal.callCount, 1);
      assert.equal((modal.firstCall.args[1] as vscode.MessageOptions).modal, true);
      assert.match(String(modal.firstCall.args[0]), /Overwrite a file that KeySync did not generate/);
      assert.equal((modal.firstCall.args[1] as vscode.MessageOptions).detail?.split('\n')[0], input('B'));
      assert.equal(readFileSync(input('B'), 'utf8'), edited);
      assert.deepEqual(readFileSync(input('A')), a);
    });

    it('confirming overwrites, and the fresh mock data regenerates later without a modal', async () => {
      sinon.stub(vscode.window, 'showWarningMessage').resolves('Overwrite' as never);
      stubMockDataPrompts();
      await vscode.commands.executeCommand('keysync.generateMockData');
      assert.doesNotMatch(readFileSync(input('B'), 'utf8'), /MY-OWN-KEY/);
      sinon.restore();
      const modal = sinon.stub(vscode.window, 'showWarningMessage').resolves(undefined);
      stubMockDataPrompts();
      await vscode.commands.executeCommand('keysync.generateMockData');
      assert.equal(modal.callCount, 0, 'its own output is replaced without asking');
    });
  });

  describe('a config replaced on disk', () => {
    after(() => replaceByRename(config(), goodConfig));

    const replaced = () => `${goodConfig}output: { directory: ./output-replaced }\n`;

    it('is the config the very next run uses, with no wait for the file watcher', async () => {
      replaceByRename(config(), replaced());
      const result = (await vscode.commands.executeCommand('keysync.run')) as ReconcileResult;
      assert.ok(result, 'the run completed');
      assert.equal(path.dirname(result.reports.master_key_registry!), path.join(folder(), 'output-replaced'));
    });

    it('shows a broken replacement in the view, the Problems panel and the status bar, keeping the last results as stale', async () => {
      const broken = `${goodConfig}provisioning:\n  strategy: mirorr\n`;
      const line = broken.split('\n').indexOf('  strategy: mirorr') + 1;
      replaceByRename(config(), broken);
      const api = await keysync();
      await eventually(async () => {
        const [first, ...rest] = await roots();
        assert.equal(first?.type, 'configProblem');
        const item = api.tree.getTreeItem(first);
        assert.match(String(item.label), new RegExp(`^keysync-config\\.yaml line ${line}: provisioning\\.strategy: "mirorr" is not allowed`));
        assert.equal(item.command?.command, 'keysync.openConfig');
        assert.deepEqual(item.command?.arguments, [config(), line]);
        const summary = rest.find((node) => node.type === 'summary')!;
        assert.match(String(api.tree.getTreeItem(summary).description), /stale$/, 'the last results stay, marked stale');
      });
      assert.match(api.treeView.message ?? '', new RegExp(`keysync-config\\.yaml line ${line}: .*mirorr.*stale`));
      const [diagnostic, ...others] = api.diagnostics.get(config());
      assert.equal(others.length, 0);
      assert.equal(diagnostic?.range.start.line, line - 1);
      assert.match(diagnostic!.message, /mirorr/);
      assert.match(api.statusBar.content.text, /\(stale\)$/);
      assert.match(api.statusBar.content.tooltip, /Stale: the config has errors/);

      // A run must use the config on disk: it refuses, and says why.
      const error = sinon.stub(vscode.window, 'showErrorMessage').resolves(undefined);
      assert.equal(await vscode.commands.executeCommand('keysync.run'), undefined);
      assert.match(String(error.firstCall.args[0]), /mirorr/);

      await vscode.commands.executeCommand('keysync.openConfig', config(), line);
      assert.equal(vscode.window.activeTextEditor?.document.fileName, config());
      assert.equal(vscode.window.activeTextEditor?.selection.active.line, line - 1);
    });

    it('clears all of it once a fixed config replaces the broken one, even with the very text that loaded before', async () => {
      replaceByRename(config(), replaced());
      const api = await keysync();
      await eventually(async () => {
        const nodes = await roots();
        assert.ok(!nodes.some((node) => node.type === 'configProblem'));
        assert.doesNotMatch(String(api.tree.getTreeItem(nodes.find((node) => node.type === 'summary')!).description), /stale/);
      });
      assert.equal(api.treeView.message, undefined);
      assert.deepEqual(api.diagnostics.get(config()), []);
      assert.doesNotMatch(api.statusBar.content.text, /stale/);
    });
  });

  describe('a dry run', () => {
    let dryRun: ReconcileResult;
    before(async () => {
      await vscode.commands.executeCommand('keysync.run');
      dryRun = (await vscode.commands.executeCommand('keysync.dryRun')) as ReconcileResult;
    });

    it('has reports with only a read-only "nothing was saved" lens', async () => {
      for (const report of [dryRun.reports.master_key_registry!, dryRun.reports.diff_missing_in_A!]) {
        assert.match(path.basename(report), /_dry-run_/);
        // The lens provider runs on an open model only.
        await vscode.window.showTextDocument(vscode.Uri.file(report));
        const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', vscode.Uri.file(report), 100)) as vscode.CodeLens[];
        assert.deepEqual(
          lenses.map((lens) => [lens.range.start.line, lens.command?.title, lens.command?.command]),
          [[0, DRY_RUN_LENS_TITLE, '']],
        );
      }
    });

    it('appears in the tree as a marked preview beside the last real run, which it does not replace', async () => {
      const api = await keysync();
      const nodes = await roots();
      const preview = nodes.find((node) => node.type === 'dryRun')!;
      const item = api.tree.getTreeItem(preview);
      assert.equal(item.label, 'Dry run preview');
      assert.equal(item.description, `${dryRun.runId} · nothing was saved`);
      assert.ok((await api.tree.getChildren(preview)).length > 2, 'the preview lists its figures');
      const summary = nodes.find((node) => node.type === 'summary')! as Extract<TreeNode, { type: 'summary' }>;
      assert.notEqual(summary.run.id, dryRun.runId, 'the summary is still the last real run');
    });
  });

  describe('a failed run', () => {
    const aside = () => `${input('A')}.aside`;
    after(() => existsSync(aside()) && renameSync(aside(), input('A')));

    it('shows in the status bar and the tree until the next run, with its error a click away', async () => {
      renameSync(input('A'), aside());
      sinon.stub(vscode.window, 'showErrorMessage').resolves(undefined);
      assert.equal(await vscode.commands.executeCommand('keysync.run'), undefined, 'the run failed');
      const api = await keysync();
      const [newest] = await (await api.service()!.open()).runs.list({ limit: 1 });
      assert.equal(newest?.status, 'failed');
      assert.match(api.statusBar.content.text, /last run failed/);
      assert.equal(api.statusBar.content.command, 'keysync.showRunError');
      assert.ok(api.statusBar.content.tooltip.includes(newest.error!));
      const failed = (await roots()).find((node) => node.type === 'failedRun')!;
      const item = api.tree.getTreeItem(failed);
      assert.equal(item.label, 'Last run failed');
      assert.deepEqual(item.command && [item.command.command, ...item.command.arguments!], ['keysync.showRunError', newest.id]);
      const markdown = (await vscode.commands.executeCommand('keysync.showRunError', newest.id)) as string;
      assert.ok(markdown.includes(newest.error!));
      assert.match(markdown, new RegExp(`# KeySync run ${newest.id} failed`));
    });

    it('gives way to the next completed run', async () => {
      renameSync(aside(), input('A'));
      await vscode.commands.executeCommand('keysync.run');
      const api = await keysync();
      assert.doesNotMatch(api.statusBar.content.text, /failed/);
      assert.ok(!(await roots()).some((node) => node.type === 'failedRun'));
    });
  });
});
