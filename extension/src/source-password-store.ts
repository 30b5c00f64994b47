/**
 * Where source passwords live: the editor's SecretStorage, one secret per config file holding
 * a JSON object of system → password. Read when the workspace opens (service.ts), written by
 * "KeySync: Set Source Password" (source-passwords.ts).
 */
import type * as vscode from 'vscode';

/** One secret per config file: a JSON object of system → password. */
export function secretKey(configUri: vscode.Uri): string {
  return `keysync.sourcePasswords:${configUri.toString()}`;
}

export async function readSourcePasswords(secrets: vscode.SecretStorage, configUri: vscode.Uri): Promise<Map<string, string>> {
  const stored = await secrets.get(secretKey(configUri));
  if (!stored) return new Map();
  try {
    return new Map(Object.entries(JSON.parse(stored) as Record<string, string>).filter(([, value]) => typeof value === 'string'));
  } catch {
    return new Map();
  }
}

