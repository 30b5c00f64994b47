/** Shared pieces of the in-host suite: the extension's API, the workspace, SQLite checks. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import * as vscode from 'vscode';
import type { KeySyncApi } from '../../src/extension.js';

export const EXTENSION_ID = 'keysync.keysync-vscode';

export async function keysync(): Promise<KeySyncApi> {
  const extension = vscode.extensions.getExtension<KeySyncApi>(EXTENSION_ID);
  assert.ok(extension, `${EXTENSION_ID} is installed in the test host`);
  const api = extension.isActive ? extension.exports : await extension.activate();
  await api.settled();
  return api;
}

export function folder(): string {
  const first = vscode.workspace.workspaceFolders?.[0];
  assert.ok(first, 'the suite runs with a workspace folder open');
  return first.uri.fsPath;
}

export const repoRoot = (): string => path.resolve(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, '..');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real keysync CLI (native driver) on the test workspace. */
export function runCli(args: readonly string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    // The system `node`, not process.execPath: under desktop VS Code that is Electron, whose
    // ABI the CLI's better-sqlite3 build does not match.
    const child = spawn('node', [path.join(repoRoot(), 'sdk/dist/cli.js'), '-c', path.join(folder(), 'keysync-config.yaml'), ...args]);
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
