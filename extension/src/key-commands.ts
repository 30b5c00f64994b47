/**
 * Commands about one key: Find Key… (every key the SDK knows: the registry and the latest
 * run's discrepancies, not just the rows the view has loaded), and the key rows' context
 * menu — Copy Key, Reveal Master Key, Open Report Row — and a master key's audit history.
 */
import { unguardFormula } from '@keysync/sdk';
import * as vscode from 'vscode';
import { readCsvRecords } from './codelens/csv-records.js';
import type { MarkdownPanel } from './markdown-panel.js';
import { auditMarkdown } from './markdown-text.js';
import type { KeySyncService } from './service.js';
import type { DiscrepancyTree } from './tree/discrepancy-tree.js';
import { GROUP_LABELS, statusLabel } from './tree/tree-labels.js';
import type { ListedKind, NodeOf, TreeNode } from './tree/tree-nodes.js';
import { orCancel } from './ui.js';
import { openSource } from './workspace-commands.js';
import { describeLocator } from './source-location.js';

const KINDS: readonly ListedKind[] = ['out_of_authority', 'gap', 'duplicate'];

interface KeyHit extends vscode.QuickPickItem {
  readonly open: () => Promise<unknown>;
}

/** Asks for a key, normalises it as the config says and lists every registry entry and discrepancy containing it. */
export async function findKey(service: KeySyncService, showAudit: (masterKey: string) => Promise<unknown>): Promise<KeyHit | undefined> {
  const given = orCancel(
    await vscode.window.showInputBox({
      title: 'Find Key',
      prompt: 'A key, or part of one, as any system writes it: it is normalised by the config’s rules before searching.',
      validateInput: (value) => (value.trim() ? undefined : 'Type a key.'),
    }),
  );
  const query = await service.normalize(given);
  if (!query) throw new Error(`"${given}" is empty once normalised.`);
  const hits = await keyHits(service, query, showAudit);
  if (hits.length === 0) {
    void vscode.window.showInformationMessage(`KeySync: no key containing ${query} in the registry or in the latest run's discrepancies.`);
    return undefined;
  }
  const picked = orCancel(
    await vscode.window.showQuickPick(hits, { title: `Keys containing ${query} (${hits.length})`, matchOnDescription: true, matchOnDetail: true }),
  );
  await picked.open();
  return picked;
}

async function keyHits(service: KeySyncService, query: string, showAudit: (masterKey: string) => Promise<unknown>): Promise<KeyHit[]> {
  const registry = [...(await service.registryByMasterKey()).values()].filter(
    (record) => record.normalizedKey.includes(query) || record.masterKey.includes(query),
  );
  const hits: KeyHit[] = registry.map((record) => ({
    label: `$(key) ${record.masterKey}`,
    description: `${statusLabel(record.status)} master key · ${record.sourceSystem} ${record.sourceKey}`,
    detail: 'Opens its audit history',
    open: () => showAudit(record.masterKey),
  }));
  const run = await service.latestRun();
  const systems = run?.summary?.systems.filter((system) => system.status === 'read') ?? [];
  const authoritySystem = systems.find((system) => system.role === 'authority');
  const authorityFile = authoritySystem?.file ?? '';
  const authority = authoritySystem?.system ?? '';
  for (const kind of KINDS) {
    for (const system of systems) {
      if (kind !== 'duplicate' && system.role === 'authority') continue;
      const entries = (await service.discrepancies(run!.id, kind, system.system)) as NodeOf<'key'>['entry'][];
      for (const entry of entries.filter((candidate) => candidate.key.includes(query))) {
        const [file, line, of] = 'sightings' in entry ? [system.file, entry.sightings[0]?.line ?? 1, system.system] : [authorityFile, entry.line, authority];
        hits.push({
          label: `$(symbol-key) ${entry.key}`,
          description: `${GROUP_LABELS[kind]} · ${kind === 'gap' ? `missing in ${system.system}` : `${system.system} ${describeLocator(file, line)}`}`,
          detail: `Opens ${kind === 'gap' ? 'the authority' : system.system} at ${describeLocator(file, line)}`,
          open: () => openSource(file, line, of),
        });
      }
    }
  }
  return hits;
}

/** The key of a key, gap or master-key row. */
export async function copyKey(node: TreeNode): Promise<string> {
  const key = node.type === 'key' ? node.entry.key : node.type === 'masterKey' ? node.record.masterKey : undefined;
  if (!key) throw new Error('Copy Key works on a key row.');
  await vscode.env.clipboard.writeText(key);
  vscode.window.setStatusBarMessage(`$(clippy) Copied ${key}`, 3000);
  return key;
}

/** Selects, in the Master keys group, the master key proposed for an out-of-authority key. */
export async function revealMasterKey(service: KeySyncService, tree: DiscrepancyTree, view: vscode.TreeView<TreeNode>, node: NodeOf<'key'>): Promise<string> {
  const record = [...(await service.registryByMasterKey()).values()].find((candidate) => candidate.normalizedKey === node.entry.key);
  if (!record) throw new Error(`No master key in the registry for ${node.entry.key}.`);
  const target = await tree.masterKeyNode(record.masterKey);
  if (!target) throw new Error(`${record.masterKey} is not listed in the view.`);
  await view.reveal(target, { select: true, focus: true, expand: true });
  return record.masterKey;
}

/** Opens the run's diff_missing_in_A report at the row of an out-of-authority key in its system. */
export async function openReportRow(service: KeySyncService, node: NodeOf<'key'>): Promise<number> {
  const run = (await service.runs(50)).find((candidate) => candidate.id === node.runId);
  const report = run?.reports?.diff_missing_in_A;
  if (!report) throw new Error(`Run ${node.runId} has no diff_missing_in_A report.`);
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(report));
  const values = (fields: readonly { value: string }[]) => fields.map((field) => unguardFormula(field.value));
  const record = readCsvRecords(document.getText()).find((candidate) => {
    const [key, system] = values(candidate.fields);
    return key === node.entry.key && system === node.system;
  });
  if (!record) throw new Error(`${node.entry.key} (${node.system}) is not in ${report}.`);
  const position = new vscode.Position(record.line, 0);
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), preview: true });
  return record.line;
}

/** A master key's registry entry and audit events in their read-only view; returns the Markdown shown. */
export async function showAuditHistory(service: KeySyncService, panel: MarkdownPanel, masterKey: string): Promise<string> {
  const record = (await service.registryByMasterKey()).get(masterKey);
  if (!record) throw new Error(`${masterKey} is not in the registry.`);
  const markdown = auditMarkdown(record, await service.auditOf(record.normalizedKey));
  await panel.show(markdown, `Audit: ${masterKey}`);
  return markdown;
}
