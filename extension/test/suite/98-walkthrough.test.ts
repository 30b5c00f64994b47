/** The walkthrough from an empty folder to a first approval: every link and medium it names exists. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import { EXTENSION_ID } from './helpers.js';

interface Step {
  readonly id: string;
  readonly description: string;
  readonly media: { readonly markdown: string };
  readonly completionEvents: readonly string[];
}

describe('the getting-started walkthrough', () => {
  const extension = () => vscode.extensions.getExtension(EXTENSION_ID)!;
  const steps = (): Step[] => extension().packageJSON.contributes.walkthroughs[0].steps;

  it('leads through config or mock data, a run, the tree and an approval', () => {
    assert.deepEqual(steps().map((step) => step.id), ['config', 'run', 'inspect', 'approve']);
  });

  it('links and completes on commands the extension really registers, and its pages ship with it', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const step of steps()) {
      const linked = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((match) => match[1]!);
      const completing = step.completionEvents.filter((event) => event.startsWith('onCommand:')).map((event) => event.slice('onCommand:'.length));
      for (const command of [...linked, ...completing]) assert.ok(registered.has(command), `${step.id}: ${command} is a registered command`);
      assert.ok(existsSync(path.join(extension().extensionPath, step.media.markdown)), `${step.id}: ${step.media.markdown} exists`);
    }
  });

  it('opens in the editor', async () => {
    await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#firstApproval`, false);
  });
});
