/**
 * The Discrepancies view: the latest run's summary, out-of-authority keys, propagation
 * gaps and duplicates (from the run's stored discrepancies, never from CSVs), and the
 * registry by status. Large groups load in pages so 100k items never freeze the UI.
 */
import * as vscode from 'vscode';
import type { DiscrepancyKind, MasterKeyStatus, SystemSummary } from '@keysync/sdk';
import type { KeySyncService } from '../service.js';
import { configProblemItem, dryRunItem, failedRunItem, keyItem, masterKeyItem, moreItem, sightingItem, summaryItems } from './tree-items.js';
import type { ListedKind, TreeNode } from './tree-nodes.js';

export const PAGE_SIZE = 500;

const STATUSES: readonly MasterKeyStatus[] = ['proposed', 'active', 'rejected', 'deprecated', 'resolved'];
const GROUPS: readonly { kind: ListedKind; label: string; icon: string; count: (system: SystemSummary) => number }[] = [
  { kind: 'out_of_authority', label: 'Out of authority', icon: 'warning', count: (system) => system.outOfAuthority },
  { kind: 'gap', label: 'Propagation gaps', icon: 'arrow-right', count: (system) => system.gaps },
  { kind: 'duplicate', label: 'Duplicates', icon: 'copy', count: (system) => system.duplicateGroups },
];

export class DiscrepancyTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** How many children each paged parent shows, by parent id. */
  private readonly shown = new Map<string, number>();
  private readonly entries = new Map<string, Promise<unknown[]>>();

  constructor(private readonly service: () => KeySyncService | undefined) {}

  refresh(): void {
    this.entries.clear();
    this.changed.fire(undefined);
  }

  /** Shows the next page under a paged parent. */
  showMore(parentId: string): void {
    this.shown.set(parentId, (this.shown.get(parentId) ?? PAGE_SIZE) + PAGE_SIZE);
    this.changed.fire(undefined);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    switch (node.type) {
      case 'configProblem':
        return configProblemItem(node);
      case 'failedRun':
        return failedRunItem(node.run);
      case 'dryRun':
        return dryRunItem(node.result);
      case 'summary': {
        const item = new vscode.TreeItem('Summary', vscode.TreeItemCollapsibleState.Expanded);
        item.id = 'summary';
        item.description = `${node.run.id} · ${node.run.startedAt.slice(0, 19).replace('T', ' ')} UTC${node.stale ? ' · stale' : ''}`;
        if (node.stale) item.tooltip = 'The config has errors: these are the results of the last run before it changed.';
        item.iconPath = new vscode.ThemeIcon('dashboard');
        item.contextValue = 'summary';
        return item;
      }
      case 'summaryLine':
        return node.item;
      case 'group': {
        const item = new vscode.TreeItem(`${node.label} (${node.count.toLocaleString('en-US')})`, collapsed(node.count));
        item.id = `group/${node.kind}`;
        item.iconPath = new vscode.ThemeIcon(node.icon);
        item.contextValue = `group.${node.kind}`;
        return item;
      }
      case 'system': {
        const item = new vscode.TreeItem(`${node.system} (${node.count.toLocaleString('en-US')})`, collapsed(node.count));
        item.id = `system/${node.kind}/${node.system}`;
        item.iconPath = new vscode.ThemeIcon('database');
        item.tooltip = node.file;
        item.contextValue = 'system';
        return item;
      }
      case 'key':
        return keyItem(node);
      case 'sighting':
        return sightingItem(node);
      case 'statusGroup': {
        const item = new vscode.TreeItem(`${node.status} (${node.count.toLocaleString('en-US')})`, collapsed(node.count));
        item.id = `status/${node.status}`;
        item.iconPath = new vscode.ThemeIcon(node.status === 'proposed' ? 'question' : node.status === 'active' ? 'pass' : 'circle-slash');
        item.contextValue = `statusGroup.${node.status}`;
        return item;
      }
      case 'registry': {
        const item = new vscode.TreeItem(`Master keys (${node.count.toLocaleString('en-US')})`, collapsed(node.count));
        item.id = 'group/registry';
        item.iconPath = new vscode.ThemeIcon('key');
        item.contextValue = 'group.registry';
        return item;
      }
      case 'masterKey':
        return masterKeyItem(node.record);
      case 'more':
        return moreItem(node);
    }
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    const service = this.service();
    if (!service) return [];
    if (!node) return this.roots(service);
    switch (node.type) {
      case 'summary':
        return summaryItems(node.run.summary!, node.pendingNow).map((item) => ({ type: 'summaryLine', item }));
      case 'dryRun':
        return summaryItems(node.result.summary, node.result.summary.registry.pending, 'dryRun').map((item) => ({ type: 'summaryLine', item }));
      case 'group':
        return [...node.systems];
      case 'system':
        return this.page(`system/${node.kind}/${node.system}`, await this.load(service, node.runId, node.kind, node.system), (entry) =>
          ({ type: 'key', kind: node.kind, system: node.system, file: node.file, authorityFile: node.authorityFile, entry }) as TreeNode,
        );
      case 'key':
        return 'sightings' in node.entry
          ? node.entry.sightings.map((sighting) => ({ type: 'sighting', system: node.system, file: node.file, ...sighting }))
          : [];
      case 'registry':
        return [...node.statuses];
      case 'statusGroup': {
        const records = [...(await service.registryByMasterKey()).values()].filter((record) => record.status === node.status);
        return this.page(`status/${node.status}`, records, (record) => ({ type: 'masterKey', record }) as TreeNode);
      }
      default:
        return [];
    }
  }

  private async roots(service: KeySyncService): Promise<TreeNode[]> {
    const { completed: run, failed, registry, configProblem, dryRun } = await service.viewState();
    const notices: TreeNode[] = [];
    if (configProblem) notices.push({ type: 'configProblem', summary: configProblem.summary, file: configProblem.file, line: configProblem.problems[0]!.line });
    if (failed) notices.push({ type: 'failedRun', run: failed });
    if (dryRun) notices.push({ type: 'dryRun', result: dryRun });
    const counts = new Map<MasterKeyStatus, number>();
    for (const record of registry.values()) counts.set(record.status, (counts.get(record.status) ?? 0) + 1);
    const registryNode: TreeNode = {
      type: 'registry',
      count: registry.size,
      statuses: STATUSES.filter((status) => counts.get(status)).map((status) => ({ type: 'statusGroup', status, count: counts.get(status)! })),
    };
    if (!run?.summary) return [...notices, ...(registry.size ? [registryNode] : [])];
    const summary = run.summary;
    const authorityFile = summary.systems.find((system) => system.role === 'authority')?.file ?? '';
    const groups: TreeNode[] = GROUPS.map((group) => {
      const systems = summary.systems
        .filter((system) => system.status === 'read' && (group.kind === 'duplicate' || system.role !== 'authority'))
        .map((system): TreeNode => ({
          type: 'system',
          kind: group.kind,
          system: system.system,
          count: group.count(system),
          file: system.file,
          authorityFile,
          runId: run.id,
        }));
      return { type: 'group', kind: group.kind, label: group.label, icon: group.icon, count: systems.reduce((sum, s) => sum + (s.type === 'system' ? s.count : 0), 0), systems };
    });
    return [...notices, { type: 'summary', run, pendingNow: counts.get('proposed') ?? 0, stale: Boolean(configProblem) }, ...groups, registryNode];
  }

  private load(service: KeySyncService, runId: string, kind: DiscrepancyKind, system: string): Promise<unknown[]> {
    const cacheKey = `${runId}/${kind}/${system}`;
    let entries = this.entries.get(cacheKey);
    if (!entries) {
      entries = service.discrepancies(runId, kind, system);
      this.entries.set(cacheKey, entries);
    }
    return entries;
  }

  private page<T>(parentId: string, items: readonly T[], toNode: (item: T) => TreeNode): TreeNode[] {
    const limit = this.shown.get(parentId) ?? PAGE_SIZE;
    const nodes = items.slice(0, limit).map(toNode);
    if (items.length > limit) nodes.push({ type: 'more', parentId, shown: limit, total: items.length });
    return nodes;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

function collapsed(count: number): vscode.TreeItemCollapsibleState {
  return count > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
}
