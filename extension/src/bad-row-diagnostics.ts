/**
 * The latest run's bad rows in the Problems panel, on each source file's line. Replaced on
 * every refresh, so fixing the rows and running again clears them.
 */
import * as vscode from 'vscode';
import type { RowProblem } from './bad-row-problems.js';

export class BadRowDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('keysync-bad-rows');

  show(problems: ReadonlyMap<string, readonly RowProblem[]>): void {
    this.collection.clear();
    for (const [file, rows] of problems) {
      this.collection.set(
        vscode.Uri.file(file),
        rows.map((row) => {
          const line = Math.max(0, row.line - 1);
          const diagnostic = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), row.message, vscode.DiagnosticSeverity.Warning);
          diagnostic.source = 'KeySync';
          return diagnostic;
        }),
      );
    }
  }

  get(file: string): readonly vscode.Diagnostic[] {
    return this.collection.get(vscode.Uri.file(file)) ?? [];
  }

  dispose(): void {
    this.collection.dispose();
  }
}
