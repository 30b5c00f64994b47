/** The status-bar item: last run's match rate and the pending count; click → run summary. */
import * as vscode from 'vscode';
import type { RunRecord } from '@keysync/sdk';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('keysync.status', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'KeySync';
    this.item.command = 'keysync.showRunSummary';
  }

  update(run: RunRecord | undefined, pending: number): void {
    if (!run?.summary) {
      this.item.text = '$(key) KeySync: no run yet';
      this.item.tooltip = 'Run a reconciliation: KeySync: Run Reconciliation';
      this.item.command = 'keysync.run';
    } else {
      const { overallMatchRate } = run.summary.totals;
      // A run that compared no downstream system has no rate; 100 % would be a false all-clear.
      const rate = overallMatchRate === null ? 'nothing compared' : `${(overallMatchRate * 100).toFixed(2)}%`;
      this.item.text = `$(${overallMatchRate === null ? 'warning' : 'key'}) ${rate} · ${pending.toLocaleString('en-US')} pending`;
      this.item.tooltip = `KeySync run ${run.id} (${run.startedAt}): overall match ${rate}, ${pending} master keys pending review. Click for the summary.`;
      this.item.command = 'keysync.showRunSummary';
    }
    this.item.show();
  }

  hide(): void {
    this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
