/**
 * Probable matches acted on from the tree or a probable_matches report's CodeLens
 * (docs/behaviour.md §10): link the out-of-authority key to the suggested authority key, or
 * record that it is not a match so the pair is never suggested again. Both go through the
 * SDK (registry + audit); the SDK refuses a link the registry no longer allows.
 */
import * as vscode from 'vscode';
import type { KeySyncService } from './service.js';
import type { ProbableCandidate } from './probable-candidates.js';
import { actorName, requireTrust } from './ui.js';

type Pair = Pick<ProbableCandidate, 'normalizedKey' | 'authorityKey'>;

export async function linkCandidate(service: KeySyncService, pair: Pair): Promise<void> {
  requireTrust('change the registry');
  const record = await service.link(pair.normalizedKey, pair.authorityKey, actorName());
  vscode.window.setStatusBarMessage(`$(link) KeySync: ${record.normalizedKey} is linked to ${record.linkedTo ?? pair.authorityKey}`, 8000);
}

export async function rejectCandidate(service: KeySyncService, pair: Pair): Promise<void> {
  requireTrust('change the registry');
  await service.notAMatch(pair.normalizedKey, pair.authorityKey, actorName());
  vscode.window.setStatusBarMessage(`$(close) KeySync: ${pair.normalizedKey} is not ${pair.authorityKey}; it will not be suggested again`, 8000);
}
