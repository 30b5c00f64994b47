/**
 * KeySync: Show Run History — a webview with the match-rate chart (inline SVG, no script,
 * no CDN, works offline) and the table of runs. A strict Content-Security-Policy allows
 * only the one nonce'd stylesheet; colours come from the theme's CSS variables.
 */
import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { RunRecord } from '@keysync/sdk';
import { escapeXml } from '../escape.js';
import type { KeySyncService } from '../service.js';
import { CHART_CSS, chartSvg, formatRunTime, matchRateSeries } from './chart.js';
import { formatCount, formatPercent } from '../format.js';

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

const COLUMNS = ['Run', 'Started (UTC)', 'Mode', 'Status', 'Match', 'Per system', 'Keys', 'Gaps', 'Out of A', 'Dup groups', 'Proposed'];

export function historyHtml(runsNewestFirst: readonly RunRecord[], cspSource: string): string {
  const nonce = randomBytes(16).toString('base64');
  const completed = runsNewestFirst.filter((run) => run.status === 'completed' && run.summary).reverse();
  const times = completed.map((run) => Date.parse(run.startedAt));
  const chart = completed.length ? chartSvg(matchRateSeries(completed), times) : '<p>No completed runs yet.</p>';
  const rows = runsNewestFirst.map((run) => {
    const summary = run.summary;
    const totals = summary?.totals;
    const cells = [
      run.id,
      formatRunTime(Date.parse(run.startedAt)).replace(' UTC', ''),
      run.mode,
      run.status,
      totals ? (totals.overallMatchRate === null ? 'not compared' : formatPercent(totals.overallMatchRate)) : '',
      summary?.systems
        .filter((system) => system.role !== 'authority')
        .map((system) => `${system.system} ${system.matchRate === null ? '—' : formatPercent(system.matchRate)}`)
        .join(' · ') ?? '',
      totals ? formatCount(totals.uniqueKeys) : '',
      totals ? formatCount(totals.propagationGaps) : '',
      totals ? formatCount(totals.outOfAuthoritySightings) : '',
      totals ? formatCount(totals.duplicateGroups) : '',
      summary ? formatCount(summary.registry.proposed) : '',
    ];
    const row = `<tr class="${run.status}">${cells.map((cell) => `<td>${escapeXml(cell)}</td>`).join('')}</tr>`;
    // The error gets a full-width row of its own, wrapped, rather than a last column off-screen.
    return run.error ? `${row}\n<tr class="error"><td colspan="${COLUMNS.length}">${escapeXml(run.error)}</td></tr>` : row;
  });
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'; img-src ${cspSource} data:;">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>KeySync Run History</title>
<style nonce="${nonce}">
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); padding: 0 16px; }
h1 { font-size: 1.3em; font-weight: 600; }
.chart { overflow-x: auto; }
.chart svg { display: block; }
.grid { stroke: var(--vscode-editorWidget-border, var(--vscode-widget-border)); stroke-width: 0.5; }
.axis { fill: var(--vscode-descriptionForeground); font-size: 11px; }
.axis-title { fill: var(--vscode-foreground); font-size: 12px; }
polyline { fill: none; stroke-width: 1.5; }
.overall polyline { stroke-width: 3; }
.stroked { fill: none; stroke-width: 2; }
${CHART_CSS}
.legend { margin: 4px 0 16px; }
.key { margin-right: 16px; white-space: nowrap; }
.marker { color: var(--vscode-descriptionForeground); }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; border-radius: 2px; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--vscode-editorWidget-border, transparent); }
td:nth-child(5), td:nth-child(n+7) { text-align: right; font-variant-numeric: tabular-nums; }
tr.failed td, tr.cancelled td, tr.error td { color: var(--vscode-errorForeground); }
tr.error td { white-space: pre-wrap; word-break: break-word; text-align: left; padding-left: 24px; }
</style></head>
<body>
<h1>Match rate per run</h1>
${chart}
<h1>Runs</h1>
<div class="table"><table>
<thead><tr>${COLUMNS.map((column) => `<th>${column}</th>`).join('')}</tr></thead>
<tbody>${rows.join('\n')}</tbody>
</table></div>
</body></html>`;
}
