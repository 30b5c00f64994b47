/** Approve / Reject / Deprecate / Approve All from the palette or the tree. */
import * as vscode from 'vscode';
import { TRANSITIONS, type MasterKeyRecord, type ReviewDecision } from '@keysync/sdk';
import { DecisionUndo } from './decision-undo.js';
import type { KeySyncService } from './service.js';
import type { TreeNode } from './tree/tree-nodes.js';
import { actorName, orCancel, requireTrust } from './ui.js';
import { formatCount } from './format.js';



/** A decision on one key: from a tree item, a key string, or a quick pick of eligible keys. */
export async function decide(service: KeySyncService, decision: ReviewDecision, target?: TreeNode | string): Promise<MasterKeyRecord> {
  requireTrust('change the registry');
  const masterKey = await pickKey(service, decision, target);
  const reason = decision === 'reject' ? await askRejectReason(masterKey) : undefined;
  const record = await service.decide(decision, masterKey, actorName(), reason);
  confirmDecision(record);
  return record;
}

/** The status-bar Undo offered after each single decision (created on activation). */
export const decisionUndo = new DecisionUndo();

/** A single decision is confirmed in the status bar, not a toast, with an Undo: it is the one thing the user just did. */
export function confirmDecision(record: MasterKeyRecord): void {
  decisionUndo.offer(record);
}

/** Takes back the user's last decision on a key (the one on offer, from the palette). */
export async function undoDecision(service: KeySyncService, normalizedKey = decisionUndo.offeredKey): Promise<MasterKeyRecord> {
  requireTrust('change the registry');
  if (!normalizedKey) throw new Error('There is no decision of yours to undo right now.');
  decisionUndo.withdraw();
  const record = await service.undo(normalizedKey, actorName());
  vscode.window.setStatusBarMessage(`$(discard) KeySync: ${record.masterKey} is ${record.status} again`, 8000);
  return record;
}

export async function approveAll(service: KeySyncService): Promise<number> {
  requireTrust('change the registry');
  const pending = [...(await service.registryByMasterKey()).values()].filter((record) => record.status === 'proposed');
  if (pending.length === 0) {
    void vscode.window.showInformationMessage('KeySync: no master keys are awaiting review.');
    return 0;
  }
  if (!(await confirmApproveAll(`Approve all ${formatCount(pending.length)} proposed master keys?`))) return 0;
  const approved = await service.approveAll(actorName(), pending.map((record) => record.normalizedKey));
  void vscode.window.showInformationMessage(`KeySync: approved ${formatCount(approved)} master keys.`);
  return approved;
}

async function pickKey(service: KeySyncService, decision: ReviewDecision, target?: TreeNode | string): Promise<string> {
  if (typeof target === 'string') return target;
  if (target?.type === 'masterKey') return target.record.masterKey;
  const eligible = [...(await service.registryByMasterKey()).values()].filter((record) => TRANSITIONS[decision].from.includes(record.status));
  if (eligible.length === 0) throw new Error(`No ${TRANSITIONS[decision].from.join(' or ')} master keys to ${decision}.`);
  const picked = await vscode.window.showQuickPick(
    eligible.map((record) => ({
      label: record.masterKey,
      description: `${record.sourceSystem} · ${record.sourceKey}`,
      detail: `${record.strategy}, proposed ${record.createdAt}`,
    })),
    { title: `${decision[0]!.toUpperCase()}${decision.slice(1)} master key`, placeHolder: 'Type to filter', matchOnDescription: true },
  );
  return orCancel(picked).label;
}

/** A modal yes/no before approving many keys at once. */
export async function confirmApproveAll(question: string): Promise<boolean> {
  const answer = await vscode.window.showWarningMessage(
    question,
    { modal: true, detail: `Each becomes active, recorded in the audit log as approved by ${actorName()}.` },
    'Approve All',
  );
  return answer === 'Approve All';
}

/** The reason a rejection needs (kept in the audit log); dismissing the prompt cancels. */
export async function askRejectReason(masterKey: string): Promise<string> {
  const reason = await vscode.window.showInputBox({
    title: `Reject ${masterKey}`,
    prompt: 'Why? The reason is kept in the audit log.',
    validateInput: (value) => (value.trim() ? undefined : 'A reason is required.'),
  });
  return orCancel(reason).trim();
}
