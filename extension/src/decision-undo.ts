/**
 * After a single decision, the status bar confirms it with an Undo for a while. Whether the
 * undo is still allowed — the user's own decision, nobody having decided the key since — is
 * the SDK's call (`registry.undo`), made when the user clicks.
 */
import type { MasterKeyRecord } from '@keysync/sdk';
import * as vscode from 'vscode';

/** How long the Undo stays offered. */
const OFFER_MS = 15_000;

export class DecisionUndo implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('keysync.undo', vscode.StatusBarAlignment.Left, 49);
  private offered: MasterKeyRecord | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor() {
    this.item.name = 'KeySync: undo the last decision';
  }

  offer(record: MasterKeyRecord): void {
    this.offered = record;
    this.item.text = `$(check) ${record.masterKey} is now ${record.status} · $(discard) Undo`;
    this.item.tooltip = `Undo: put ${record.masterKey} back as it was (only while nobody else has decided it since)`;
    this.item.accessibilityInformation = { label: `KeySync: ${record.masterKey} is now ${record.status}. Activate to undo.` };
    this.item.command = { command: 'keysync.undoDecision', title: 'Undo', arguments: [record.normalizedKey] };
    this.item.show();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.withdraw(), OFFER_MS);
  }

  /** The key whose Undo is on offer, if any (the palette's Undo takes it). */
  get offeredKey(): string | undefined {
    return this.offered?.normalizedKey;
  }

  withdraw(): void {
    clearTimeout(this.timer);
    this.offered = undefined;
    this.item.hide();
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.item.dispose();
  }
}
