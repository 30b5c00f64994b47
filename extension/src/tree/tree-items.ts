/** TreeItems for the leaf-level nodes: labels, icons, tooltips and click commands. */
import * as vscode from 'vscode';
import { whyNothingCompared, type MasterKeyRecord, type ReconcileResult, type RowLocator, type RunRecord, type RunSummary } from '@keysync/sdk';
import { formatCount, formatPercent } from '../format.js';
import { describeLocator } from '../source-location.js';
import { candidateCount, candidateLabel } from '../probable-candidates.js';
import type { NodeOf } from './tree-nodes.js';


/**
 * A run's figures, with the registry's pending count as it is now (approvals since the run
 * count). `idPrefix` keeps the ids of a dry-run preview apart from the real run's.
 */
export function summaryItems(summary: RunSummary, pendingNow: number, idPrefix = 'summary'): vscode.TreeItem[] {
  const { overallMatchRate, keysInAllSystems, uniqueKeys } = summary.totals;
  const compared = overallMatchRate !== null && keysInAllSystems !== null;
  const overall = new vscode.TreeItem(compared ? `Overall match ${formatPercent(overallMatchRate)}` : 'Nothing compared');
  overall.description = compared ? `${formatCount(keysInAllSystems)} of ${formatCount(uniqueKeys)} keys in every system` : whyNothingCompared(summary);
  overall.iconPath = new vscode.ThemeIcon(compared ? 'pulse' : 'warning');
  const systems = summary.systems.map((system) => {
    const item = new vscode.TreeItem(system.system);
    item.id = `${idPrefix}/${system.system}`;
    if (system.status === 'skipped') {
      item.description = 'left out of the run';
      item.tooltip = system.skippedReason ?? '';
      item.iconPath = new vscode.ThemeIcon('error');
    } else if (system.role === 'authority') {
      item.description = `authority · ${formatCount(system.keys)} keys`;
      item.iconPath = new vscode.ThemeIcon('star-full');
    } else {
      item.description = `${formatPercent(system.matchRate ?? 0)} · ${formatCount(system.gaps)} gaps · ${formatCount(system.outOfAuthority)} out of authority`;
      item.iconPath = new vscode.ThemeIcon(system.matchRate === 1 ? 'pass' : 'circle-large-outline');
    }
    if (system.status === 'read') item.tooltip = `${system.file}\n${formatCount(system.rows)} rows, ${formatCount(system.keys)} keys, ${formatCount(system.badRows)} bad rows`;
    return item;
  });
  const registry = new vscode.TreeItem(`Master keys: ${formatCount(pendingNow)} pending review`);
  registry.description = `${formatCount(summary.registry.proposed)} proposed by this run`;
  registry.iconPath = new vscode.ThemeIcon('key');
  return [overall, ...systems, registry];
}

export function configProblemItem(node: NodeOf<'configProblem'>): vscode.TreeItem {
  const item = new vscode.TreeItem(node.summary);
  item.id = 'configProblem';
  item.description = 'results below are stale';
  item.tooltip = `${node.summary}\n\nThe results shown are from the last run before the config changed. Click to open the config at the problem; the Problems panel lists every one.`;
  item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  item.contextValue = 'configProblem';
  item.command = { command: 'keysync.openConfig', title: 'Open Config', arguments: [node.file, node.line] };
  return item;
}

export function failedRunItem(run: RunRecord): vscode.TreeItem {
  const item = new vscode.TreeItem('Last run failed');
  item.id = `failedRun/${run.id}`;
  item.description = `${run.id} · ${(run.error ?? '').split('\n')[0]}`;
  item.tooltip = `Run ${run.id} (${run.startedAt}) failed:\n${run.error ?? 'no error recorded'}\n\nClick for the error.`;
  item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  item.contextValue = 'failedRun';
  item.command = { command: 'keysync.showRunError', title: 'Show Run Error', arguments: [run.id] };
  return item;
}

export function dryRunItem(result: ReconcileResult): vscode.TreeItem {
  const item = new vscode.TreeItem('Dry run preview', vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `dryRun/${result.runId}`;
  item.description = `${result.runId} · nothing was saved`;
  item.tooltip = 'The figures of the last dry run. Nothing was stored: the registry, the run history and the results below are unchanged.';
  item.iconPath = new vscode.ThemeIcon('eye');
  item.contextValue = 'dryRun';
  return item;
}

/**
 * A key under a system. Seen once, it is a leaf that opens its row; seen on several rows
 * (a duplicate, say), it expands to them. The description gives where, never the key again.
 */
export function keyItem(node: NodeOf<'key'>): vscode.TreeItem {
  const { entry } = node;
  if ('sightings' in entry) {
    const { sightings } = entry;
    const single = sightings.length === 1 ? sightings[0] : undefined;
    // Candidates, like several sightings, are listed under the key.
    const leaf = single && !node.candidates?.length;
    const item = new vscode.TreeItem(entry.key, leaf ? vscode.TreeItemCollapsibleState.None : vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `key/${node.kind}/${node.system}/${entry.key}`;
    const differing = [...new Set(sightings.map((sighting) => sighting.raw).filter((raw) => raw !== entry.key))];
    const where = single ? `${node.system} ${describeLocator(node.file, single.line)}` : `${formatCount(sightings.length)} rows in ${node.system}`;
    item.description = differing.length ? `${where} · written ${differing.map((raw) => `"${raw}"`).join(', ')}` : where;
    item.tooltip = sightings.map((sighting) => `${sighting.raw}  —  ${node.file}:${sighting.line}`).join('\n');
    item.iconPath = new vscode.ThemeIcon(node.kind === 'duplicate' ? 'copy' : 'symbol-key');
    if (node.candidates?.length) item.description = `${item.description} · ${candidateCount(node.candidates.length)}`;
    item.contextValue = `key.${node.kind}`;
    const first = sightings[0];
    if (first) item.command = openSourceCommand(node.file, first.line, node.system);
    return item;
  }
  const item = new vscode.TreeItem(entry.key);
  item.id = `key/${node.kind}/${node.system}/${entry.key}`;
  item.description = `missing in ${node.system}`;
  item.tooltip = `${entry.key} is in the authority (${node.authorityFile}:${entry.line}) but not in ${node.system}`;
  item.iconPath = new vscode.ThemeIcon('symbol-key');
  item.contextValue = 'gapKey';
  item.command = openSourceCommand(node.authorityFile, entry.line, node.authority);
  return item;
}

/** An authority key an out-of-authority key was probably meant to be, with its score and reason; inline Link and Not a match. */
export function candidateItem(node: NodeOf<'candidate'>): vscode.TreeItem {
  const { candidate } = node;
  const item = new vscode.TreeItem(candidateLabel(candidate, node.authority));
  item.id = `candidate/${candidate.system}/${candidate.normalizedKey}/${candidate.authorityKey}`;
  item.description = `${candidate.score.toFixed(2)} · ${candidate.reason}`;
  item.tooltip = `${candidate.normalizedKey} (${candidate.system}) is probably ${candidate.authorityKey} in ${node.authority || 'the authority'}: score ${candidate.score.toFixed(2)}, ${candidate.reason}.`;
  item.iconPath = new vscode.ThemeIcon('lightbulb');
  item.contextValue = 'candidate';
  return item;
}

export function sightingItem(node: NodeOf<'sighting'>): vscode.TreeItem {
  const item = new vscode.TreeItem(node.raw);
  item.description = `${node.system} ${describeLocator(node.file, node.line)}`;
  item.tooltip = `${node.file}:${node.line}`;
  item.iconPath = new vscode.ThemeIcon('go-to-file');
  item.contextValue = 'sighting';
  item.command = openSourceCommand(node.file, node.line, node.system);
  return item;
}

export function masterKeyItem(record: MasterKeyRecord): vscode.TreeItem {
  const item = new vscode.TreeItem(record.masterKey);
  item.id = `masterKey/${record.id}`;
  const described = record.masterKey === record.normalizedKey ? record.sourceSystem : `${record.normalizedKey} · ${record.sourceSystem}`;
  // A linked key is an authority key mistyped: say which (docs/behaviour.md §10).
  item.description = record.linkedTo ? `${described} → ${record.linkedTo}` : described;
  item.tooltip = new vscode.MarkdownString(
    [
      `**${record.masterKey}** — ${record.status}`,
      `key \`${record.normalizedKey}\` from ${record.sourceSystem} (\`${record.sourceKey}\`), ${record.strategy}`,
      `created ${record.createdAt} by run ${record.createdRunId}`,
      `last change ${record.statusChangedAt} by ${record.statusChangedBy}${record.statusReason ? `: ${record.statusReason}` : ''}`,
    ].join('\n\n'),
  );
  item.iconPath = new vscode.ThemeIcon(record.status === 'proposed' ? 'question' : record.status === 'active' ? 'pass-filled' : record.status === 'linked' ? 'link' : 'circle-slash');
  item.contextValue = `masterKey.${record.status}`;
  item.command = { command: 'keysync.showAuditHistory', title: 'Show Audit History', arguments: [record.masterKey] };
  return item;
}

export function moreItem(node: NodeOf<'more'>): vscode.TreeItem {
  const next = Math.min(500, node.total - node.shown);
  const item = new vscode.TreeItem(`Show ${formatCount(next)} more`);
  item.id = `more/${node.parentId}`;
  item.description = `${formatCount(node.shown)} of ${formatCount(node.total)} shown`;
  item.iconPath = new vscode.ThemeIcon('ellipsis');
  item.command = { command: 'keysync.showMore', title: 'Show More', arguments: [node] };
  return item;
}

function openSourceCommand(location: string, locator: RowLocator, system: string): vscode.Command {
  return { command: 'keysync.openSource', title: 'Open source row', arguments: [location, locator, system] };
}
