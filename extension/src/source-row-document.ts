/**
 * "Open Source Row" for a source that is not a text file (docs/behaviour.md §2): a read-only
 * virtual document under its own URI scheme, whose text is fetched from the source through
 * the SDK (`ws.sources.showRow`) each time the editor asks for it.
 */
import * as vscode from 'vscode';
import type { KeySyncService } from './service.js';
import { decodeRowTarget, encodeRowTarget, rowDocumentName, rowText, type RowTarget } from './source-row-text.js';

export const SOURCE_ROW_SCHEME = 'keysync-row';

export function sourceRowUri(target: RowTarget): vscode.Uri {
  return vscode.Uri.from({ scheme: SOURCE_ROW_SCHEME, path: `/${rowDocumentName(target)}`, query: encodeRowTarget(target) });
}

export class SourceRowDocuments implements vscode.TextDocumentContentProvider {
  constructor(private readonly service: () => KeySyncService | undefined) {}

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const target = decodeRowTarget(uri.query);
    const service = this.service();
    if (!service) throw new Error('No keysync-config.yaml in this workspace.');
    const { location, row } = await service.showRow(target.system, target.locator);
    return rowText(target, location, row);
  }
}
