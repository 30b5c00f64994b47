/** Shared command plumbing: error notifications with "Show Log", trust, the acting user. */
import os from 'node:os';
import * as vscode from 'vscode';
import { isKeySyncError } from '@keysync/sdk';
import type { Log } from './log.js';

/** Runs a command body; an error becomes a log line and a notification with "Show Log". */
export function guarded<A extends unknown[]>(log: Log, name: string, body: (...args: A) => Promise<unknown>): (...args: A) => Promise<unknown> {
  return async (...args) => {
    try {
      return await body(...args);
    } catch (error) {
      if (error instanceof UserCancelled) return undefined;
      // The user's own Cancel is not a failure: it is said as information, not as an error.
      if (isKeySyncError(error) && error.kind === 'cancelled') {
        log.info(`${name}: ${error.describe()}`);
        void vscode.window.showInformationMessage(`KeySync: ${error.describe()}`);
        return undefined;
      }
      const message = isKeySyncError(error) ? error.describe() : (error as Error)?.message ?? String(error);
      log.error(`${name}: ${message}${isKeySyncError(error) ? '' : `\n${(error as Error)?.stack ?? ''}`}`);
      const choice = await vscode.window.showErrorMessage(`KeySync: ${message}`, 'Show Log');
      if (choice === 'Show Log') log.show();
      return undefined;
    }
  };
}

/** Thrown when the user dismisses a prompt: the command stops quietly. */
export class UserCancelled extends Error {}

export function requireTrust(what: string): void {
  if (!vscode.workspace.isTrusted) {
    throw new Error(`KeySync does not ${what} in an untrusted folder. Trust the folder (Manage Workspace Trust) to allow it.`);
  }
}

/** `keysync.actor`, or the operating-system user. */
export function actorName(): string {
  const configured = vscode.workspace.getConfiguration('keysync').get<string>('actor', '').trim();
  if (configured) return configured;
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'vscode';
  }
}

export function orCancel<T>(value: T | undefined): T {
  if (value === undefined) throw new UserCancelled();
  return value;
}
