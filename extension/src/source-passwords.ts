/**
 * "KeySync: Set Source Password": a database source's password, kept in the editor's
 * SecretStorage (per config file, by system) and handed to the SDK when the workspace opens.
 * Never written to settings, the log or the config.
 */
import * as vscode from 'vscode';
import type { KeySyncService } from './service.js';
import { readSourcePasswords, secretKey } from './source-password-store.js';
import { orCancel } from './ui.js';

export async function setSourcePassword(service: KeySyncService, system?: string): Promise<void> {
  const systems = await service.systems();
  const chosen =
    system ??
    orCancel(await vscode.window.showQuickPick(systems, { title: 'Set Source Password: which system?', placeHolder: 'the system whose source needs a password' }));
  const password = await vscode.window.showInputBox({
    title: `Password for system ${chosen}`,
    prompt: 'Kept in the editor\'s secret storage; an empty value removes it.',
    password: true,
    ignoreFocusOut: true,
  });
  if (password === undefined) return;
  const secrets = service.secrets;
  const passwords = await readSourcePasswords(secrets, service.configUri);
  if (password === '') passwords.delete(chosen);
  else passwords.set(chosen, password);
  await secrets.store(secretKey(service.configUri), JSON.stringify(Object.fromEntries(passwords)));
  service.passwordsChanged();
  void vscode.window.showInformationMessage(password === '' ? `KeySync: password for ${chosen} removed.` : `KeySync: password for ${chosen} saved.`);
}
