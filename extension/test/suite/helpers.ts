/** Shared pieces of the in-host suite: the extension's API, the workspace, SQLite checks. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as vscode from 'vscode';
import type { KeySyncApi } from '../../src/extension.js';
import type { TreeNode } from '../../src/tree/tree-nodes.js';

export const EXTENSION_ID = 'keysync.keysync-vscode';

export async function keysync(): Promise<KeySyncApi> {
  const extension = vscode.extensions.getExtension<KeySyncApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed in the test host`);
  const api = extension.isActive ? extension.exports : await extension.activate();
  await api.settled();
  return api;
}

export function workspaceFolder(): string {
  const first = vscode.workspace.workspaceFolders?.[0];
  assert.ok(first, 'the suite runs with a workspace folder open');
  return first.uri.fsPath;
}

let currentWorkspace: string | undefined;

/** The folder of the config the current test file works on (its fresh copy, once it made one). */
export function folder(): string {
  return currentWorkspace ?? workspaceFolder();
}

/**
 * Gives the calling test file a fresh copy of testdata/clean in its own folder under the
 * workspace and points the extension at it (`keysync.configPath`), so no file depends on what
 * another file left behind, or on the order files run in.
 */
export async function freshWorkspace(name: string): Promise<void> {
  const dir = path.join(workspaceFolder(), 'suites', name);
  rmSync(dir, { recursive: true, force: true });
  cpSync(path.join(repoRoot(), 'testdata/clean'), dir, { recursive: true });
  const config = path.join(dir, 'keysync-config.yaml');
  await vscode.workspace.getConfiguration('keysync').update('configPath', path.relative(workspaceFolder(), config), vscode.ConfigurationTarget.Workspace);
  currentWorkspace = dir;
  const api = await keysync();
  for (const deadline = Date.now() + 20_000; api.service()?.configUri.fsPath !== config; ) {
    assert.ok(Date.now() < deadline, `the extension switched to ${config}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await api.settled();
}

export const repoRoot = (): string => path.resolve(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, '..');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real keysync CLI (native driver) on the test workspace; `env` adds to the host's environment. */
export function runCli(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // The system `node`, not process.execPath: under desktop VS Code that is Electron, whose
    // ABI the CLI's better-sqlite3 build does not match.
    const child = spawn('node', [path.join(repoRoot(), 'sdk/dist/cli.js'), '-c', path.join(folder(), 'keysync-config.yaml'), ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The driver this pass must use; `auto` (test-electron) accepts whichever the extension chose. */
export function expectedDriver(actual: string): string {
  const driver = process.env.KEYSYNC_EXPECT_DRIVER;
  assert.ok(driver === 'native' || driver === 'wasm' || driver === 'auto', 'the runner says which driver this pass uses');
  return driver === 'auto' ? actual : driver;
}

/** Tree nodes with their labels (`label — description`). */
export async function labelled(nodes: TreeNode[]): Promise<[string, TreeNode][]> {
  const api = await keysync();
  return nodes.map((node) => {
    const item = api.tree.getTreeItem(node);
    const label = typeof item.label === 'string' ? item.label : item.label?.label ?? '';
    return [item.description ? `${label} — ${item.description}` : label, node];
  });
}

/** The child of `parent` (the root when undefined) whose label starts with `startsWith`. */
export async function child(parent: TreeNode | undefined, startsWith: string): Promise<TreeNode> {
  const children = await labelled(await (await keysync()).tree.getChildren(parent));
  const found = children.find(([label]) => label.startsWith(startsWith));
  assert.ok(found, `a child starting with "${startsWith}" among ${JSON.stringify(children.map(([label]) => label))}`);
  return found[1];
}

/**
 * Opens, from the tree, the row behind a database source's out-of-authority sighting (the
 * item's `keysync.openSource` command) and returns the read-only document's text; the caller
 * closes it.
 */
export async function openSighting(system: string, index: number): Promise<string> {
  const api = await keysync();
  const keys = await api.tree.getChildren(await child(await child(undefined, 'Out of authority'), system));
  const item = api.tree.getTreeItem(keys[index]!);
  assert.equal(item.command?.command, 'keysync.openSource');
  await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? []));
  const editor = vscode.window.activeTextEditor;
  assert.ok(editor);
  assert.equal(editor.document.uri.scheme, 'keysync-row');
  return editor.document.getText();
}
