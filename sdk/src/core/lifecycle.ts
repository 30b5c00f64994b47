/**
 * The master-key lifecycle (docs/behaviour.md §5) as data: which action moves which status where.
 * Pure; the store applies it inside a transaction and records the audit event.
 */
import { KeySyncError } from '../errors.js';
import type { NewAuditEvent } from './records.js';
import type { MasterKeyStatus } from './types.js';

/** Everything that moves a master key from one status to another. */
export type MasterKeyAction = 'approve' | 'reject' | 'deprecate' | 'resolve' | 'link' | 'unlink';

/** The decisions a person takes on a key alone; `resolve` is KeySync's own, and `link` needs the authority key too. */
export type ReviewDecision = 'approve' | 'reject' | 'deprecate';

/** One action's rule: the statuses it applies to, the status it leads to, the audit event it records. */
export interface Transition {
  readonly from: readonly MasterKeyStatus[];
  readonly to: MasterKeyStatus;
  readonly event: string;
  /** The action in the past tense, for messages. */
  readonly done: string;
}

/** The master-key lifecycle (docs/behaviour.md §5) as data: which action moves which status where. */
export const TRANSITIONS: Readonly<Record<MasterKeyAction, Transition>> = {
  approve: { from: ['proposed'], to: 'active', event: 'master_key_approved', done: 'approved' },
  reject: { from: ['proposed'], to: 'rejected', event: 'master_key_rejected', done: 'rejected' },
  deprecate: { from: ['active'], to: 'deprecated', event: 'master_key_deprecated', done: 'deprecated' },
  resolve: { from: ['proposed'], to: 'resolved', event: 'master_key_resolved', done: 'resolved' },
  // A proposal that is an authority key mistyped or formatted differently (docs/behaviour.md §10).
  link: { from: ['proposed'], to: 'linked', event: 'master_key_linked', done: 'linked' },
  unlink: { from: ['linked'], to: 'proposed', event: 'master_key_unlinked', done: 'unlinked' },
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
      `Cannot ${action} master key ${record.masterKey}: it is ${current}, and only ${transition.from.join(' or ')} keys can be ${transition.done}.`,
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

/** A person said a key is not the authority key it was suggested to be: that pair is not suggested again (docs/decisions.md §18). */
export const NOT_A_MATCH_EVENT = 'probable_match_rejected';

/** The audit event of one transition, whoever makes it (a user, auto-approve, a run's resolution). */
export function transitionEvent(
  record: { readonly masterKey: string; readonly normalizedKey: string; readonly sourceSystem: string; readonly status: MasterKeyStatus },
  action: MasterKeyAction,
  by: { readonly actor: string; readonly reason: string | null; readonly now: string; readonly runId: string | null; readonly linkedTo?: string },
): NewAuditEvent {
  const to = TRANSITIONS[action].to;
  // A link says where to: the key corrections report and the audit log both name the authority key.
  const where = action === 'link' ? ` to ${by.linkedTo}` : '';
  return {
    timestamp: by.now,
    runId: by.runId,
    eventType: TRANSITIONS[action].event,
    details: `${record.masterKey}: ${record.status} → ${to}${where}${by.reason ? ` (${by.reason})` : ''}`,
    system: record.sourceSystem,
    key: record.normalizedKey,
    action,
    result: to,
    actor: by.actor,
  };
}
