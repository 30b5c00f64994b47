/**
 * CodeLens on the generated master_key_registry_*.csv and diff_missing_in_A_*.csv:
 * `Approve` · `Reject` on a row whose master key is pending in the registry (every such row,
 * or in compact mode only those under the cursor: lens-mode.ts), `Approve all N pending` on the header, and on a row the registry has moved on from, a
 * lens that says so and offers to update the file instead of acting. A dry run's report
 * gets one read-only lens saying nothing was saved: its keys were never proposed. A
 * probable_matches_*.csv row offers `Link to A:<key>` and `Not a match` (docs/behaviour.md §10).
 */
import * as vscode from 'vscode';
import type { KeySyncService } from '../service.js';
import { countOf, formatCount } from '../format.js';
import { rowHasLens, type LensMode } from './lens-mode.js';
import { candidateLabel, parseProbableMatches } from '../probable-candidates.js';
import { actionableReport, isDryRunReport, isProbableMatchesReport } from './report-kind.js';
import { isPending, isStale, parseReport, type ParsedReport } from './report-rows.js';

export class ReportCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  private readonly selectionWatch: vscode.Disposable;

  constructor(private readonly service: () => KeySyncService | undefined) {
    // Compact mode follows the cursor: a report's lenses are redrawn when its selection moves.
    this.selectionWatch = vscode.window.onDidChangeTextEditorSelection((event) => {
      const document = event.textEditor.document;
      if ((actionableReport(document.fileName) || isProbableMatchesReport(document.fileName)) && vscode.workspace.getConfiguration('keysync', document.uri).get('codeLens.mode') === 'compact') this.changed.fire();
    });
  }

  refresh(): void {
    this.changed.fire();
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (isDryRunReport(document.fileName)) return [lens(new vscode.Range(0, 0, 0, 0), DRY_RUN_LENS_TITLE, '', [])];
    if (isProbableMatchesReport(document.fileName)) return this.probableMatchLenses(document);
    const report = await readReport(this.service(), document);
    if (!report) return [];
    const lenses: vscode.CodeLens[] = [];
    const pending = report.rows.filter(isPending);
    const stale = report.rows.filter(isStale);
    const headerRange = new vscode.Range(report.headerLine, 0, report.headerLine, 0);
    const uri = document.uri;
    const mode = vscode.workspace.getConfiguration('keysync', uri).get<LensMode>('codeLens.mode', 'compact');
    const selections = selectionsIn(document);
    if (pending.length) {
      const keys = [...new Set(pending.map((row) => row.masterKey))];
      const hint = mode === 'compact' ? ' (move the cursor to a row to approve or reject it)' : '';
      lenses.push(lens(headerRange, `Approve all ${formatCount(keys.length)} pending${hint}`, 'keysync.lens.approveAll', [uri]));
    }
    if (stale.length) {
      lenses.push(lens(headerRange, `${countOf(stale.length, 'row')} differ from the registry — update statuses`, 'keysync.lens.syncCsv', [uri]));
    }
    for (const row of report.rows) {
      if (!rowHasLens(mode, row.line, selections)) continue;
      const range = new vscode.Range(row.line, 0, row.line, 0);
      if (isPending(row) && row.fileStatus === 'proposed') {
        lenses.push(lens(range, 'Approve', 'keysync.lens.approve', [uri, row.masterKey, row.line]));
        lenses.push(lens(range, 'Reject', 'keysync.lens.reject', [uri, row.masterKey, row.line]));
      } else if (isStale(row)) {
        const now = row.record ? `now ${row.record.status} in the registry` : 'no longer in the registry';
        lenses.push(lens(range, `${row.masterKey} is ${now} — update this report`, 'keysync.lens.syncCsv', [uri]));
      }
    }
    return lenses;
  }

  /**
   * A probable_matches row offers `Link to A:<key>` and `Not a match` while its key is still a
   * proposal; once linked it says to what, once decided otherwise it offers nothing.
   */
  private async probableMatchLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const service = this.service();
    const rows = service && parseProbableMatches(document.getText());
    if (!service || !rows) return [];
    const byKey = new Map([...(await service.registryByMasterKey()).values()].map((record) => [record.normalizedKey, record]));
    const authority = (await service.latestRun())?.summary?.systems.find((system) => system.role === 'authority')?.system ?? '';
    const mode = vscode.workspace.getConfiguration('keysync', document.uri).get<LensMode>('codeLens.mode', 'compact');
    const selections = selectionsIn(document);
    const lenses: vscode.CodeLens[] = [];
    for (const row of rows) {
      if (!rowHasLens(mode, row.line, selections)) continue;
      const range = new vscode.Range(row.line, 0, row.line, 0);
      const record = byKey.get(row.normalizedKey);
      const pair = { normalizedKey: row.normalizedKey, authorityKey: row.authorityKey };
      if (record?.status === 'linked') lenses.push(lens(range, `Linked to ${candidateLabel({ authorityKey: record.linkedTo ?? '' }, authority)}`, '', []));
      else if (!record || record.status === 'proposed') {
        lenses.push(lens(range, `Link to ${candidateLabel(row, authority)}`, 'keysync.linkCandidate', [pair]));
        lenses.push(lens(range, 'Not a match', 'keysync.notAMatch', [pair]));
      }
    }
    return lenses;
  }

  dispose(): void {
    this.selectionWatch.dispose();
    this.changed.dispose();
  }
}

export const DRY_RUN_LENS_TITLE = 'Dry run — nothing was saved: these keys were not proposed and cannot be approved here';

/** The report in a document, matched against the registry; undefined for any other file (a dry run's included). */
export async function readReport(service: KeySyncService | undefined, document: vscode.TextDocument): Promise<ParsedReport | undefined> {
  const kind = actionableReport(document.fileName);
  if (!kind || !service || isDryRunReport(document.fileName)) return undefined;
  return parseReport(document.getText(), kind, await service.registryByMasterKey());
}

/** The selected lines in every editor showing the document (compact mode's lenses follow them). */
function selectionsIn(document: vscode.TextDocument): { start: number; end: number }[] {
  return vscode.window.visibleTextEditors
    .filter((editor) => editor.document === document)
    .flatMap((editor) => editor.selections.map((selection) => ({ start: selection.start.line, end: selection.end.line })));
}

/** A lens; an empty `command` makes it a plain label. */
function lens(range: vscode.Range, title: string, command: string, args: unknown[]): vscode.CodeLens {
  return new vscode.CodeLens(range, { title, command, arguments: args });
}
