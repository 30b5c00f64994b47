/**
 * KeySync: Create Config. With CSV files in the folder it is a guided setup: pick the
 * authority, the other sources, and each file's key column from its header; the config is
 * written from those picks (setup/guided-config.ts). A folder with no CSV files (and the
 * template item of the first pick) gets the commented template instead.
 */
import { existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import * as vscode from 'vscode';
import { configTemplate, REPORT_NAMES } from '@keysync/sdk';
import { orCancel, requireTrust } from '../ui.js';
import { guessDelimiter, guessKeyColumn, guidedConfigText, headerFields, systemName, type PickedSource } from './guided-config.js';

/** How many CSV files the first pick offers. */
const MAX_FILES = 500;
const HEADER_BYTES = 64 * 1024;

interface FileItem extends vscode.QuickPickItem {
  readonly file?: vscode.Uri;
}

/** Writes keysync-config.yaml into the folder (or opens the existing one) and shows it. */
export async function createConfig(folder: vscode.WorkspaceFolder, configPath: string): Promise<vscode.Uri> {
  requireTrust('write files');
  const uri = vscode.Uri.joinPath(folder.uri, configPath);
  if (!existsSync(uri.fsPath)) {
    const csvFiles = await findSourceCandidates(folder);
    const text = csvFiles.length ? await guidedConfig(csvFiles, path.dirname(uri.fsPath)) : configTemplate();
    await vscode.workspace.fs.writeFile(uri, Buffer.from(text));
  }
  await vscode.window.showTextDocument(uri);
  return uri;
}

/** The folder's CSV files, KeySync's own reports (stamped or not) and dependencies left out. */
async function findSourceCandidates(folder: vscode.WorkspaceFolder): Promise<vscode.Uri[]> {
  const files = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, '**/*.csv'), '**/node_modules/**', MAX_FILES);
  const isReport = (file: vscode.Uri) => {
    const name = path.basename(file.fsPath);
    return REPORT_NAMES.some((report) => name.startsWith(`${report}_`) || name === `${report}.csv`);
  };
  return files.filter((file) => !isReport(file)).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
}

async function guidedConfig(csvFiles: readonly vscode.Uri[], configDir: string): Promise<string> {
  const relative = (file: vscode.Uri) => `./${path.relative(configDir, file.fsPath).split(path.sep).join('/')}`;
  const fileItems: FileItem[] = csvFiles.map((file) => ({ label: path.basename(file.fsPath), description: relative(file), file }));
  const template: FileItem = { label: '$(file) Commented template', description: 'systems A–E at ./input/*.csv, to edit by hand' };
  const authority = orCancel(
    await vscode.window.showQuickPick([...fileItems, { label: '', kind: vscode.QuickPickItemKind.Separator }, template], {
      title: 'Create Config: the authoritative source (1/3)',
      placeHolder: 'The system of record: keys elsewhere that it lacks are "out of authority"',
    }),
  );
  if (!authority.file) return configTemplate();
  const others = fileItems.filter((item) => item.file !== authority.file);
  const downstream = others.length
    ? orCancel(
        await vscode.window.showQuickPick(
          others.map((item) => ({ ...item, picked: true })),
          { title: 'Create Config: the other sources to compare with it (2/3)', canPickMany: true, placeHolder: 'Untick files that are not exports of a system' },
        ),
      )
    : [];
  const taken = new Set<string>();
  const sources: PickedSource[] = [];
  for (const [index, item] of [authority, ...downstream].entries()) {
    const file = item.file!;
    const line = await firstLine(file.fsPath);
    const delimiter = guessDelimiter(line);
    const fields = headerFields(line, delimiter);
    if (fields.length === 0) throw new Error(`${relative(file)} has no header line to pick a key column from.`);
    const guess = guessKeyColumn(fields);
    const picked = orCancel(
      await vscode.window.showQuickPick(
        [...fields].sort((a, b) => Number(b === guess) - Number(a === guess)).map((field) => ({ label: field, description: field === guess ? 'looks like the key' : undefined })),
        { title: `Create Config: key column of ${item.label} (3/3, file ${index + 1} of ${downstream.length + 1})`, placeHolder: 'The column holding the record key' },
      ),
    );
    const system = systemName(file.fsPath, taken);
    taken.add(system);
    sources.push({ system, path: relative(file), keyColumn: picked.label, delimiter });
  }
  return guidedConfigText(sources[0]!.system, sources);
}

/** The first line of a file, read without loading the rest. */
async function firstLine(file: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_BYTES, 0);
    return buffer.subarray(0, bytesRead).toString('utf8').split(/\r?\n/)[0] ?? '';
  } finally {
    await handle.close();
  }
}
