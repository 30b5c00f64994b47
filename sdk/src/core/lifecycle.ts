/**
 * The master-key lifecycle (SPEC §5) as data: which action moves which status where.
 * Pure; the store applies it inside a transaction and records the audit event.
 */
import { KeySyncError } from '../errors.js';
import type { MasterKeyStatus } from './types.js';

export type MasterKeyAction = 'approve' | 'reject' | 'deprecate' | 'resolve';

interface Transition {
  readonly from: readonly MasterKeyStatus[];
  readonly to: MasterKeyStatus;
  readonly event: string;
}

export const TRANSITIONS: Readonly<Record<MasterKeyAction, Transition>> = {
  approve: { from: ['proposed'], to: 'active', event: 'master_key_approved' },
  reject: { from: ['proposed'], to: 'rejected', event: 'master_key_rejected' },
  deprecate: { from: ['active'], to: 'deprecated', event: 'master_key_deprecated' },
  resolve: { from: ['proposed'], to: 'resolved', event: 'master_key_resolved' },
};

export function nextStatus(masterKey: string, current: MasterKeyStatus, action: MasterKeyAction): MasterKeyStatus {
  const transition = TRANSITIONS[action];
  if (!transition.from.includes(current)) {
    throw new KeySyncError(
      'ILLEGAL_TRANSITION',
      'state',
      `Cannot ${action} master key ${masterKey}: it is ${current}, and only ${transition.from.join(' or ')} keys can be ${transition.to === 'active' ? 'approved' : transition.to}.`,
      { remedy: `list it with \`keysync registry list --status ${current}\` to see its history` },
    );
  }
  return transition.to;
}
