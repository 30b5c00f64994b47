/** The status-bar item; what it says comes from status-text.ts. */
import * as vscode from 'vscode';
import type { StatusContent } from './status-text.js';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('keysync.status', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.item.name = 'KeySync';
  }

  update(content: StatusContent): void {
    this.item.text = content.text;
    this.item.tooltip = content.tooltip;
    this.item.command = content.command;
    this.item.accessibilityInformation = { label: content.accessibilityLabel };
    this.item.show();
  }

  hide(): void {
    this.item.hide();
  }

  /** What it shows now, for tests. */
  get content(): StatusContent {
    return {
      text: this.item.text,
      tooltip: String(this.item.tooltip ?? ''),
      command: String(this.item.command ?? ''),
      accessibilityLabel: this.item.accessibilityInformation?.label ?? '',
    };
  }

  dispose(): void {
    this.item.dispose();
  }
}
