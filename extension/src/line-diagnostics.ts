/**
 * Problems-panel entries on given lines of given files, replaced as a whole on every show:
 * the config's problems (errors) and the latest run's bad rows (warnings) each have one.
 */
import * as vscode from 'vscode';

export interface LineProblem {
  /** 1-based, as the SDK reports lines. */
  readonly line: number;
  readonly message: string;
}

export class LineDiagnostics implements vscode.Disposable {
  private readonly collection: vscode.DiagnosticCollection;

  constructor(
    name: string,
    private readonly severity: vscode.DiagnosticSeverity,
  ) {
    this.collection = vscode.languages.createDiagnosticCollection(name);
  }

  show(problems: ReadonlyMap<string, readonly LineProblem[]>): void {
    this.collection.clear();
    for (const [file, entries] of problems) {
      if (entries.length === 0) continue;
      this.collection.set(
        vscode.Uri.file(file),
        entries.map((entry) => {
          const line = Math.max(0, entry.line - 1);
          const diagnostic = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), entry.message, this.severity);
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
