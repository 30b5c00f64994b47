/** The config's problems in the Problems panel, one diagnostic per line the SDK names. */
import * as vscode from 'vscode';
import type { ConfigProblem } from './config-problems.js';

export class ConfigDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('keysync');

  show(file: string, problems: readonly ConfigProblem[]): void {
    this.collection.clear();
    if (problems.length === 0) return;
    this.collection.set(
      vscode.Uri.file(file),
      problems.map((problem) => {
        const line = Math.max(0, problem.line - 1);
        const diagnostic = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), problem.text, vscode.DiagnosticSeverity.Error);
        diagnostic.source = 'KeySync';
        return diagnostic;
      }),
    );
  }

  get(file: string): readonly vscode.Diagnostic[] {
    return this.collection.get(vscode.Uri.file(file)) ?? [];
  }

  dispose(): void {
    this.collection.dispose();
  }
}
