/** The registry and audit records as the SDK hands them out (the store maps rows to these). */
import type { MasterKeyStatus, NormalizedKey, ProvisioningStrategy, SystemId } from './types.js';

/** One entry of the master-key registry: the key, its status and who decided it when. */
export interface MasterKeyRecord {
  readonly id: number;
  readonly masterKey: string;
  readonly normalizedKey: NormalizedKey;
  readonly sourceSystem: SystemId;
  readonly sourceKey: string;
  readonly strategy: ProvisioningStrategy;
  readonly status: MasterKeyStatus;
  readonly createdAt: string;
  readonly createdRunId: string;
  readonly activatedAt: string | null;
  readonly statusChangedAt: string;
  readonly statusChangedBy: string;
  readonly statusReason: string | null;
  /** The authority key a `linked` entry's key should be (docs/behaviour.md §10); null otherwise. */
  readonly linkedTo: NormalizedKey | null;
}

/** One event of the audit log: a run's milestones, every proposal and every decision. */
export interface AuditEvent {
  readonly id: number;
  /** ISO 8601 UTC. */
  readonly timestamp: string;
  readonly runId: string | null;
  readonly eventType: string;
  readonly details: string;
  readonly system: string | null;
  readonly key: string | null;
  readonly action: string;
  readonly result: string;
  readonly actor: string;
}

export type NewAuditEvent = Omit<AuditEvent, 'id'>;

/** A record as a run plans it: the id is null when a dry run only simulates it. */
export type Planned<T extends { id: number }> = Omit<T, 'id'> & { readonly id: number | null };

/**
 * The event with its id (null in a dry run), written out field by field. V8 gave every copy
 * made by a spread (`{ ...event, id }`) a hidden class of its own, about 370 bytes more per
 * event, and a run plans an event for each out-of-authority key (docs/decisions.md §9).
 */
export function withAuditId(event: NewAuditEvent, id: number | null): Planned<AuditEvent> {
  const { timestamp, runId, eventType, details, system, key, action, result, actor } = event;
  return { timestamp, runId, eventType, details, system, key, action, result, actor, id };
}
