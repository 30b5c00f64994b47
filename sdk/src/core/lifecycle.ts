/**
 * The master-key lifecycle (docs/behaviour.md §5) as data: which action moves which status where.
 * Pure; the store applies it inside a transaction and records the audit event.
 */
import { KeySyncError } from '../errors.js';
import type { NewAuditEvent } from './records.js';
import type { MasterKeyStatus } from './types.js';

/** Everything that moves a master key from one status to another. */
export type MasterKeyAction = 'approve' | 'reject' | 'deprecate' | 'resolve';

/** The actions a person takes; `resolve` is KeySync's own, when a key appears in the authority. */
export type ReviewDecision = Exclude<MasterKeyAction, 'resolve'>;

/** One action's rule: the statuses it applies to, the status it leads to, the audit event it records. */
export interface Transition {
  readonly from: readonly MasterKeyStatus[];
  readonly to: MasterKeyStatus;
  readonly event: string;
}

/** The master-key lifecycle (docs/behaviour.md §5) as data: which action moves which status where. */
export const TRANSITIONS: Readonly<Record<MasterKeyAction, Transition>> = {
  approve: { from: ['proposed'], to: 'active', event: 'master_key_approved' },
  reject: { from: ['proposed'], to: 'rejected', event: 'master_key_rejected' },
  deprecate: { from: ['active'], to: 'deprecated', event: 'master_key_deprecated' },
  resolve: { from: ['proposed'], to: 'resolved', event: 'master_key_resolved' },
};

export function nextStatus(
  record: { readonly masterKey: string; readonly normalizedKey: string },
  current: MasterKeyStatus,
  action: MasterKeyAction,
): MasterKeyStatus {
  const transition = TRANSITIONS[action];
  if (!transition.from.includes(current)) {
    throw new KeySyncError(
      'ILLEGAL_TRANSITION',
      'state',
      `Cannot ${action} master key ${record.masterKey}: it is ${current}, and only ${transition.from.join(' or ')} keys can be ${transition.to === 'active' ? 'approved' : transition.to}.`,
      { remedy: `\`keysync audit --key ${record.normalizedKey}\` shows its history` },
    );
  }
  return transition.to;
}

/**
 * The status a person's decision left, from the audit event that recorded it; undefined for
 * anything that is not a person's decision (a proposal, a resolution, an undo).
 */
export function statusBeforeDecision(eventType: string): MasterKeyStatus | undefined {
  const decision = (['approve', 'reject', 'deprecate'] as const satisfies readonly ReviewDecision[]).find((action) => TRANSITIONS[action].event === eventType);
  return decision && TRANSITIONS[decision].from[0];
}

export const UNDO_EVENT = 'master_key_decision_undone';

/** The audit event of one transition, whoever makes it (a user, auto-approve, a run's resolution). */
export function transitionEvent(
  record: { readonly masterKey: string; readonly normalizedKey: string; readonly sourceSystem: string; readonly status: MasterKeyStatus },
  action: MasterKeyAction,
  by: { readonly actor: string; readonly reason: string | null; readonly now: string; readonly runId: string | null },
): NewAuditEvent {
  const to = TRANSITIONS[action].to;
  return {
    timestamp: by.now,
    runId: by.runId,
    eventType: TRANSITIONS[action].event,
    details: `${record.masterKey}: ${record.status} → ${to}${by.reason ? ` (${by.reason})` : ''}`,
    system: record.sourceSystem,
    key: record.normalizedKey,
    action,
    result: to,
    actor: by.actor,
  };
}
