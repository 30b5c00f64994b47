/**
 * KeySync: Show Run History — a webview with the match-rate chart (inline SVG, no script,
 * no CDN, works offline) and the table of runs. A strict Content-Security-Policy allows
 * only the one nonce'd stylesheet; colours come from the theme's CSS variables.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { RunRecord } from '@keysync/sdk';
import type { KeySyncService } from '../service.js';
import { CHART_CSS, chartSvg, escapeXml, matchRateSeries } from './chart.js';

export class HistoryPanel implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;

  constructor(private readonly service: () => KeySyncService | undefined) {}

  get isOpen(): boolean {
    return this.panel !== undefined;
  }

  async show(): Promise<void> {
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel('keysync.history', 'KeySync Run History', vscode.ViewColumn.Active, {
        enableScripts: false,
        localResourceRoots: [],
      });
      this.panel.onDidDispose(() => (this.panel = undefined));
    } else {
      this.panel.reveal();
    }
    await this.render();
  }

  /** Redraws an open panel, e.g. after a run. */
  async render(): Promise<void> {
    const panel = this.panel;
    const service = this.service();
    if (!panel || !service) return;
    const runs = await service.runs(200);
    panel.webview.html = historyHtml(runs, panel.webview.cspSource);
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

export function historyHtml(runsNewestFirst: readonly RunRecord[], cspSource: string): string {
  const nonce = randomBytes(16).toString('base64');
  const completed = runsNewestFirst.filter((run) => run.status === 'completed' && run.summary).reverse();
  const labels = completed.map((run) => run.startedAt.slice(5, 16).replace('T', ' '));
  const chart = completed.length ? chartSvg(matchRateSeries(completed), labels) : '<p>No completed runs yet.</p>';
  const rows = runsNewestFirst.map((run) => {
    const totals = run.summary?.totals;
    const cells = [
      run.id,
      run.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
      run.mode,
      run.status,
      totals ? (totals.overallMatchRate === null ? 'not compared' : `${(totals.overallMatchRate * 100).toFixed(2)}%`) : '',
      totals?.uniqueKeys.toLocaleString('en-US') ?? '',
      totals?.propagationGaps.toLocaleString('en-US') ?? '',
      totals?.outOfAuthoritySightings.toLocaleString('en-US') ?? '',
      totals?.duplicateGroups.toLocaleString('en-US') ?? '',
      run.summary?.registry.proposed.toLocaleString('en-US') ?? '',
      run.error ?? '',
    ];
    return `<tr class="${run.status}">${cells.map((cell) => `<td>${escapeXml(cell)}</td>`).join('')}</tr>`;
  });
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; img-src ${cspSource} data:;">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>KeySync Run History</title>
<style nonce="${nonce}">
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 0 16px; }
h1 { font-size: 1.3em; font-weight: 600; }
.grid { stroke: var(--vscode-editorWidget-border, var(--vscode-widget-border)); stroke-width: 0.5; }
.axis { fill: var(--vscode-descriptionForeground); font-size: 11px; }
polyline { fill: none; stroke-width: 1.5; }
.overall polyline { stroke-width: 3; }
${CHART_CSS}
.legend { margin: 4px 0 16px; }
.key { margin-right: 16px; white-space: nowrap; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--vscode-editorWidget-border, transparent); }
td:nth-child(n+5):nth-child(-n+10) { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td, tr.cancelled td { color: var(--vscode-errorForeground); }
</style></head>
<body>
<h1>Match rate per run</h1>
${chart}
<h1>Runs</h1>
<table>
<thead><tr><th>Run</th><th>Started (UTC)</th><th>Mode</th><th>Status</th><th>Match</th><th>Keys</th><th>Gaps</th><th>Out of A</th><th>Dup groups</th><th>Proposed</th><th>Error</th></tr></thead>
<tbody>${rows.join('\n')}</tbody>
</table>
</body></html>`;
}
