/**
 * A config can point sources, the database, reports and logs anywhere. In the editor,
 * every path that leaves the workspace folder needs the user's explicit consent once (the
 * CLI accepts them, as its users expect). Consent is remembered per workspace and path.
 */
import path from 'node:path';
import * as vscode from 'vscode';
import type { Workspace } from '@keysync/sdk';
import { UserCancelled } from './ui.js';

const CONSENT_KEY = 'keysync.allowedOutsidePaths';

export function pathsOutside(workspace: Workspace, folder: string): { path: string; use: string }[] {
  const inside = (file: string) => {
    const relative = path.relative(folder, file);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  };
  const used = [
    ...[...workspace.paths.sources].map(([system, file]) => ({ path: file, use: `source ${system} (read)` })),
    { path: workspace.paths.database, use: 'database (written)' },
    { path: workspace.paths.output, use: 'reports (written)' },
    ...(workspace.paths.log ? [{ path: workspace.paths.log, use: 'log (written)' }] : []),
  ];
  return used.filter((entry) => !inside(entry.path));
}

export async function confirmOutsidePaths(state: vscode.Memento, workspace: Workspace, folder: string): Promise<void> {
  const allowed = new Set(state.get<string[]>(CONSENT_KEY, []));
  for (const entry of pathsOutside(workspace, folder)) {
    if (allowed.has(entry.path)) continue;
    const answer = await vscode.window.showWarningMessage(
      `The KeySync config uses a path outside this folder: ${entry.path} — ${entry.use}. Allow it?`,
      { modal: true, detail: 'KeySync asks once for each such path. The choice is kept for this workspace.' },
      'Allow',
    );
    if (answer !== 'Allow') throw new UserCancelled();
    allowed.add(entry.path);
    await state.update(CONSENT_KEY, [...allowed]);
  }
}
