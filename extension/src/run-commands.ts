/**
 * Run Reconciliation / Run Incremental / Dry Run, under a cancellable progress notification
 * (and the Discrepancies view's progress bar while that view is visible). The completion
 * message says which kind of run it was and, for an incremental run, what changed; the
 * `keysync.notifications.runCompleted` setting makes it a toast or a status-bar message.
 */
import * as vscode from 'vscode';
import type { ReconcileResult, RunMode } from '@keysync/sdk';
import type { Log } from './log.js';
import { confirmOutsidePaths } from './path-guard.js';
import type { KeySyncService } from './service.js';
import { progressIncrements } from './run-progress.js';
import { runCompletedMessage } from './run-text.js';
import { requireTrust } from './ui.js';

export interface RunRequest {
  readonly mode: RunMode;
  readonly dryRun: boolean;
}

const VIEW_ID = 'keysync.discrepancies';
const STATUS_MESSAGE_MS = 10_000;

/** `keysync.notifications.runCompleted`: a toast with actions, or a status-bar message that goes by itself. */
function completionSetting(): 'notification' | 'statusBar' {
  return vscode.workspace.getConfiguration('keysync').get<'notification' | 'statusBar'>('notifications.runCompleted', 'notification');
}

export async function runReconciliation(
  service: KeySyncService,
  request: RunRequest,
  state: vscode.Memento,
  log: Log,
  viewVisible: boolean,
): Promise<ReconcileResult | undefined> {
  requireTrust('run reconciliations');
  const workspace = await service.open();
  await confirmOutsidePaths(state, workspace, service.folder.uri.fsPath);
  const previous = (await service.latestRun())?.summary ?? undefined;
  const title = request.dryRun ? 'KeySync: dry run' : `KeySync: ${request.mode} reconciliation`;
  const running = vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => {
        log.info('cancel requested; the run stops after the current step');
        controller.abort();
      });
      const increment = progressIncrements();
      try {
        return await service.reconcile({
          mode: request.mode,
          dryRun: request.dryRun,
          signal: controller.signal,
          // The SDK words every engine's steps (reading into it, normalising, comparing), so any engine shows here as the node engine does.
          onProgress: (event) => progress.report({ message: event.message, increment: increment(event) }),
        });
      } finally {
        cancel.dispose();
      }
    },
  );
  if (viewVisible) void vscode.window.withProgress({ location: { viewId: VIEW_ID } }, () => Promise.resolve(running).catch(() => undefined));
  const result = await running;
  const message = runCompletedMessage(result.summary, previous);
  log.info(message);
  if (completionSetting() === 'statusBar') {
    vscode.window.setStatusBarMessage(`$(check) ${message}`, STATUS_MESSAGE_MS);
    return result;
  }
  void vscode.window.showInformationMessage(message, 'Show Summary', 'Open Registry Report').then((choice) => {
    if (choice === 'Show Summary') void vscode.commands.executeCommand('keysync.showRunSummary', result);
    if (choice === 'Open Registry Report' && result.reports.master_key_registry) {
      void vscode.window.showTextDocument(vscode.Uri.file(result.reports.master_key_registry));
    }
  });
  return result;
}
