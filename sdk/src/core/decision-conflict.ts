/**
 * What a reviewer is told when someone else decided the same key first (docs/behaviour.md §5):
 * who decided what and when, and that their own decision was not applied. Pure.
 */
import { KeySyncError } from '../errors.js';
import type { MasterKeyStatus } from './types.js';

const DECIDED: Readonly<Record<MasterKeyStatus, string>> = {
  proposed: 'returned to proposed',
  active: 'approved',
  rejected: 'rejected',
  deprecated: 'deprecated',
  resolved: 'resolved',
  linked: 'linked',
};

export interface DecidedEntry {
  readonly masterKey: string;
  readonly normalizedKey: string;
  readonly status: MasterKeyStatus;
  readonly statusChangedBy: string;
  readonly statusChangedAt: string;
  readonly statusReason: string | null;
}

/** `CUST-1 was rejected by bob at 2026-12-01T14:03:22Z (duplicate); your approve was not applied.` */
export function decisionConflictError(entry: DecidedEntry, attempted: string): KeySyncError {
  const at = entry.statusChangedAt.replace(/\.\d+Z$/, 'Z');
  const why = entry.statusReason ? ` (${entry.statusReason})` : '';
  return new KeySyncError(
    'DECISION_CONFLICT',
    'state',
    `${entry.masterKey} was ${DECIDED[entry.status]} by ${entry.statusChangedBy} at ${at}${why} while you decided; your ${attempted} was not applied.`,
    { remedy: `\`keysync audit --key ${entry.normalizedKey}\` shows its history; decide again if it still needs it` },
  );
}
