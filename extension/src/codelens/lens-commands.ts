/**
 * What a CodeLens click does: act through the SDK (registry + audit), refresh every view,
 * then rewrite the report's status cells from the registry. When the registry has moved on
 * since the lens was drawn, the SDK refuses the transition and the user is told why.
 */
import * as vscode from 'vscode';
import { isKeySyncError } from '@keysync/sdk';
import type { KeySyncService } from '../service.js';
import { askRejectReason, confirmApproveAll, confirmDecision } from '../registry-commands.js';
import { actorName, requireTrust } from '../ui.js';
import { readReport } from './report-lens.js';
import { isPending, statusEdits } from './report-rows.js';
import { formatCount } from '../format.js';

export async function lensDecide(service: KeySyncService, decision: 'approve' | 'reject', uri: vscode.Uri, masterKey: string): Promise<void> {
  requireTrust('change the registry');
  const reason = decision === 'reject' ? await askRejectReason(masterKey) : undefined;
  try {
    const record = await service.decide(decision, masterKey, actorName(), reason);
    confirmDecision(record);
  } catch (error) {
    if (!isKeySyncError(error) || error.code !== 'ILLEGAL_TRANSITION') throw error;
    void vscode.window.showWarningMessage(`KeySync: ${error.message} The report is updated to match the registry.`);
  }
  await syncReportStatuses(service, uri);
}

export async function lensApproveAll(service: KeySyncService, uri: vscode.Uri): Promise<void> {
  requireTrust('change the registry');
  const document = await vscode.workspace.openTextDocument(uri);
  service.refresh();
  const report = await readReport(service, document);
  const pending = [...new Map((report?.rows ?? []).filter(isPending).map((row) => [row.masterKey, row.record!])).values()];
  if (pending.length === 0) {
    void vscode.window.showInformationMessage('KeySync: nothing in this report is pending any more.');
    await syncReportStatuses(service, uri);
    return;
  }
  if (!(await confirmApproveAll(`Approve the ${formatCount(pending.length)} pending master keys in this report?`))) return;
  await service.approveAll(actorName(), pending.map((record) => record.normalizedKey));
  await syncReportStatuses(service, uri);
}

/** Rewrites the report's Status (and Activated At) cells to what the registry now says, and saves. */
export async function syncReportStatuses(service: KeySyncService, uri: vscode.Uri): Promise<number> {
  service.refresh();
  const document = await vscode.workspace.openTextDocument(uri);
  const report = await readReport(service, document);
  if (!report) return 0;
  const edits = statusEdits(report);
  if (edits.length === 0) return 0;
  const workspaceEdit = new vscode.WorkspaceEdit();
  for (const edit of edits) {
    workspaceEdit.replace(uri, new vscode.Range(document.positionAt(edit.start), document.positionAt(edit.end)), edit.text);
  }
  if (!(await vscode.workspace.applyEdit(workspaceEdit))) throw new Error(`Could not update ${uri.fsPath}.`);
  await document.save();
  return edits.length;
}
