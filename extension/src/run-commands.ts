/** Run Reconciliation / Run Incremental / Dry Run, under a cancellable progress notification. */
import * as vscode from 'vscode';
import type { ReconcileResult, RunMode } from '@keysync/sdk';
import type { Log } from './log.js';
import { confirmOutsidePaths } from './path-guard.js';
import type { KeySyncService } from './service.js';
import { requireTrust } from './ui.js';

export interface RunRequest {
  readonly mode: RunMode;
  readonly dryRun: boolean;
}

const STAGE_SHARE = 20;

export async function runReconciliation(
  service: KeySyncService,
  request: RunRequest,
  state: vscode.Memento,
  log: Log,
): Promise<ReconcileResult | undefined> {
  requireTrust('run reconciliations');
  const workspace = await service.open();
  await confirmOutsidePaths(state, workspace, service.folder.uri.fsPath);
  const title = request.dryRun ? 'KeySync: dry run' : `KeySync: ${request.mode} reconciliation`;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const controller = new AbortController();
      const cancel = token.onCancellationRequested(() => {
        log.info('cancel requested; the run stops after the current step');
        controller.abort();
      });
      let lastStage = '';
      try {
        return await service.reconcile({
          mode: request.mode,
          dryRun: request.dryRun,
          signal: controller.signal,
          onProgress: (event) => {
            const increment = event.stage === lastStage ? 0 : STAGE_SHARE;
            lastStage = event.stage;
            progress.report({ message: event.message, increment });
          },
        });
      } finally {
        cancel.dispose();
      }
    },
  );
  const { totals, registry } = result.summary;
  const rate = totals.overallMatchRate === null ? 'nothing compared' : `overall match ${(totals.overallMatchRate * 100).toFixed(2)}%`;
  const message =
    `KeySync ${request.dryRun ? 'dry run' : 'run'} ${result.runId}: ${rate}, ` +
    `${totals.propagationGaps.toLocaleString('en-US')} gaps, ${totals.outOfAuthoritySightings.toLocaleString('en-US')} out of authority, ` +
    `${registry.pending.toLocaleString('en-US')} master keys pending review.`;
  log.info(message);
  void vscode.window.showInformationMessage(message, 'Show Summary', 'Open Registry Report').then((choice) => {
    if (choice === 'Show Summary') void vscode.commands.executeCommand('keysync.showRunSummary', result);
    if (choice === 'Open Registry Report' && result.reports.master_key_registry) {
      void vscode.window.showTextDocument(vscode.Uri.file(result.reports.master_key_registry));
    }
  });
  return result;
}
