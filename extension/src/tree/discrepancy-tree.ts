/**
 * The Discrepancies view: the latest run's summary, out-of-authority keys, propagation
 * gaps and duplicates (from the run's stored discrepancies, never from CSVs), and the
 * registry by status. Large groups load in pages so 100k items never freeze the UI.
 */
import * as vscode from 'vscode';
import { MASTER_KEY_STATUSES, type DiscrepancyKind, type MasterKeyStatus, type SystemSummary } from '@keysync/sdk';
import { formatCount } from '../format.js';
import type { KeySyncService } from '../service.js';
import { candidateSlot } from '../probable-candidates.js';
import { candidateItem, configProblemItem, dryRunItem, failedRunItem, keyItem, masterKeyItem, moreItem, sightingItem, summaryItems } from './tree-items.js';
import { GROUP_LABELS, groupAccessibilityLabel, rowAccessibilityLabel, statusGroupAccessibilityLabel, statusLabel, systemAccessibilityLabel } from './tree-labels.js';
import type { ListedKind, NodeOf, TreeNode } from './tree-nodes.js';

export const PAGE_SIZE = 500;

const GROUPS: readonly { kind: ListedKind; icon: string; count: (system: SystemSummary) => number }[] = [
  { kind: 'out_of_authority', icon: 'warning', count: (system) => system.outOfAuthority },
  { kind: 'gap', icon: 'arrow-right', count: (system) => system.gaps },
  { kind: 'duplicate', icon: 'copy', count: (system) => system.duplicateGroups },
];

export class DiscrepancyTree implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** How many children each paged parent shows, by parent id. */
  private readonly shown = new Map<string, number>();
  private readonly entries = new Map<string, Promise<unknown[]>>();
  private readonly parents = new WeakMap<TreeNode, TreeNode>();

  constructor(private readonly service: () => KeySyncService | undefined) {}

  refresh(): void {
    this.entries.clear();
    this.changed.fire(undefined);
  }

  /** Shows the next page under a paged parent; returns the first newly shown node, to move focus to. */
  async showMore(more: NodeOf<'more'>): Promise<TreeNode | undefined> {
    this.shown.set(more.parentId, more.shown + PAGE_SIZE);
    this.changed.fire(undefined);
    return (await this.getChildren(more.parent))[more.shown];
  }

  /** The node of a master key in the registry group (its page extended to reach it), for `TreeView.reveal`. */
  async masterKeyNode(masterKey: string): Promise<TreeNode | undefined> {
    const registry = (await this.getChildren()).find((node) => node.type === 'registry');
    const record = (await this.service()?.registryByMasterKey())?.get(masterKey);
    if (!registry || !record) return undefined;
    const group = (await this.getChildren(registry)).find((node) => node.type === 'statusGroup' && node.status === record.status);
    if (!group) return undefined;
    const records = [...(await this.service()!.registryByMasterKey()).values()].filter((candidate) => candidate.status === record.status);
    const index = records.findIndex((candidate) => candidate.masterKey === masterKey);
    const pageId = `status/${record.status}`;
    if (index >= (this.shown.get(pageId) ?? PAGE_SIZE)) this.shown.set(pageId, (Math.floor(index / PAGE_SIZE) + 1) * PAGE_SIZE);
    return (await this.getChildren(group)).find((node) => node.type === 'masterKey' && node.record.masterKey === masterKey);
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    const item = this.itemFor(node);
    // Screen readers announce the tooltip when there is no accessibility label: for a
    // system that is a file path, for a summary row it drops the figures.
    item.accessibilityInformation ??= { label: rowAccessibilityLabel(labelText(item), typeof item.description === 'string' ? item.description : undefined) };
    return item;
  }

  /** The parent a node was listed under (for `TreeView.reveal`). */
  getParent(node: TreeNode): TreeNode | undefined {
    return this.parents.get(node);
  }

  private itemFor(node: TreeNode): vscode.TreeItem {
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
        const item = countedItem(GROUP_LABELS[node.kind], node.count, `group/${node.kind}`, node.icon, `group.${node.kind}`);
        item.accessibilityInformation = { label: groupAccessibilityLabel(node.kind, node.count) };
        return item;
      }
      case 'system': {
        const item = countedItem(node.system, node.count, `system/${node.kind}/${node.system}`, 'database', 'system');
        item.tooltip = node.file;
        item.accessibilityInformation = { label: systemAccessibilityLabel(node.system, node.kind, node.count) };
        return item;
      }
      case 'key':
        return keyItem(node);
      case 'sighting':
        return sightingItem(node);
      case 'candidate':
        return candidateItem(node);
      case 'statusGroup': {
        const icon = node.status === 'proposed' ? 'question' : node.status === 'active' ? 'pass' : node.status === 'linked' ? 'link' : 'circle-slash';
        const item = countedItem(statusLabel(node.status), node.count, `status/${node.status}`, icon, `statusGroup.${node.status}`);
        item.accessibilityInformation = { label: statusGroupAccessibilityLabel(node.status, node.count) };
        return item;
      }
      case 'registry':
        return countedItem('Master keys', node.count, 'group/registry', 'key', 'group.registry');
      case 'masterKey':
        return masterKeyItem(node.record);
      case 'more':
        return moreItem(node);
    }
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    const children = await this.childrenOf(node);
    if (node) for (const child of children) this.parents.set(child, node);
    return children;
  }

  private async childrenOf(node?: TreeNode): Promise<TreeNode[]> {
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
      case 'system': {
        const run = node.kind === 'out_of_authority' ? await service.latestRun() : undefined;
        const candidates = run?.id === node.runId ? service.candidates(run) : undefined;
        return this.page(node, `system/${node.kind}/${node.system}`, await this.load(service, node.runId, node.kind, node.system), (entry) => {
          const { key } = entry as { key: string };
          const found = candidates?.get(candidateSlot(node.system, key));
          return { type: 'key', kind: node.kind, runId: node.runId, system: node.system, file: node.file, authorityFile: node.authorityFile, authority: node.authority, entry, candidates: found } as TreeNode;
        });
      }
      case 'key': {
        const candidates: TreeNode[] = (node.candidates ?? []).map((candidate) => ({ type: 'candidate', authority: node.authority, candidate }));
        const sightings: TreeNode[] =
          'sightings' in node.entry && node.entry.sightings.length > 1
            ? node.entry.sightings.map((sighting) => ({ type: 'sighting', system: node.system, file: node.file, ...sighting }))
            : [];
        return [...candidates, ...sightings];
      }
      case 'registry':
        return [...node.statuses];
      case 'statusGroup': {
        const records = [...(await service.registryByMasterKey()).values()].filter((record) => record.status === node.status);
        return this.page(node, `status/${node.status}`, records, (record) => ({ type: 'masterKey', record }) as TreeNode);
      }
      default:
        return [];
    }
  }

  private async roots(service: KeySyncService): Promise<TreeNode[]> {
    const { completed: run, failed, registryCounts, configProblem, dryRun } = await service.viewState();
    const notices: TreeNode[] = [];
    if (configProblem) notices.push({ type: 'configProblem', summary: configProblem.summary, file: configProblem.file, line: configProblem.problems[0]!.line });
    if (failed) notices.push({ type: 'failedRun', run: failed });
    if (dryRun) notices.push({ type: 'dryRun', result: dryRun });
    const count = (status: MasterKeyStatus) => registryCounts?.[status] ?? 0;
    const registrySize = MASTER_KEY_STATUSES.reduce((sum, status) => sum + count(status), 0);
    const registryNode: TreeNode = {
      type: 'registry',
      count: registrySize,
      statuses: MASTER_KEY_STATUSES.filter((status) => count(status)).map((status) => ({ type: 'statusGroup', status, count: count(status) })),
    };
    if (!run?.summary) return [...notices, ...(registrySize ? [registryNode] : [])];
    const summary = run.summary;
    const authoritySystem = summary.systems.find((system) => system.role === 'authority');
    const authorityFile = authoritySystem?.file ?? '';
    const authority = authoritySystem?.system ?? '';
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
          authority,
          runId: run.id,
        }));
      return { type: 'group', kind: group.kind, icon: group.icon, count: systems.reduce((sum, s) => sum + (s.type === 'system' ? s.count : 0), 0), systems };
    });
    return [...notices, { type: 'summary', run, pendingNow: count('proposed'), stale: Boolean(configProblem) }, ...groups, registryNode];
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

  private page<T>(parent: TreeNode, parentId: string, items: readonly T[], toNode: (item: T) => TreeNode): TreeNode[] {
    const limit = this.shown.get(parentId) ?? PAGE_SIZE;
    const nodes = items.slice(0, limit).map(toNode);
    if (items.length > limit) nodes.push({ type: 'more', parent, parentId, shown: limit, total: items.length });
    return nodes;
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** A group row: its name as the label, its count as the description. */
function countedItem(label: string, count: number, id: string, icon: string, contextValue: string): vscode.TreeItem {
  const item = new vscode.TreeItem(label, collapsed(count));
  item.id = id;
  item.description = formatCount(count);
  item.iconPath = new vscode.ThemeIcon(icon);
  item.contextValue = contextValue;
  return item;
}

function labelText(item: vscode.TreeItem): string {
  return typeof item.label === 'string' ? item.label : item.label?.label ?? '';
}

function collapsed(count: number): vscode.TreeItemCollapsibleState {
  return count > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None;
}
