/**
 * A read-only view of a Markdown text (the run summary, a run's error, a key's audit
 * history): one webview panel per kind, reused and redrawn on every show, so clicking
 * "Show Run Summary" ten times leaves one tab and nothing ever asks to be saved.
 *
 * The Markdown is rendered by VS Code's built-in Markdown extension (`markdown.api.render`),
 * shown with no script and a strict Content-Security-Policy (the texts come from
 * markdown-text.ts, which escapes the values it interpolates).
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { escapeXml } from './escape.js';

export class MarkdownPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  constructor(
    private readonly viewType: string,
    private readonly title: string,
  ) {}

  /** Shows the text beside the editor, in the panel already open if there is one. */
  async show(markdown: string, title = this.title): Promise<void> {
    const body = await vscode.commands.executeCommand<string>('markdown.api.render', markdown);
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(this.viewType, title, { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
        enableScripts: false,
        localResourceRoots: [],
      });
      this.panel.onDidDispose(() => (this.panel = undefined));
    } else {
      this.panel.reveal(undefined, false);
    }
    this.panel.title = title;
    this.panel.webview.html = markdownHtml(body, title);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

function markdownHtml(body: string, title: string): string {
  const nonce = randomBytes(16).toString('base64');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeXml(title)}</title>
<style nonce="${nonce}">
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 0 16px; line-height: 1.5; }
h1 { font-size: 1.4em; font-weight: 600; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--vscode-editorWidget-border, transparent); }
td { font-variant-numeric: tabular-nums; }
pre { white-space: pre-wrap; word-break: break-word; background: var(--vscode-textCodeBlock-background); padding: 8px; }
code { font-family: var(--vscode-editor-font-family); }
</style></head>
<body>
${body}
</body></html>`;
}
