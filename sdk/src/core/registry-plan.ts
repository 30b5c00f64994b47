/**
 * Everything a run changes in the registry and the audit log, worked out in memory
 * before anything is written (pure). The orchestrator writes the reports from the plan,
 * then applies it in one transaction, so a cancelled or killed run leaves the previous
 * state intact and the reports always match what was committed.
 */
import { TRANSITIONS, transitionEvent, type MasterKeyAction } from './lifecycle.js';
import type { Proposal } from './provision.js';
import { withAuditId, type AuditEvent, type MasterKeyRecord, type NewAuditEvent, type Planned } from './records.js';
import { firstNotBelow } from './text-order.js';
import type { MasterKeyStatus, NormalizedKey, ProvisioningStrategy, SystemId } from './types.js';

export interface RegistryPlanInput {
  readonly runId: string;
  readonly now: string;
  /** The registry before the run, in id order. */
  readonly existing: readonly MasterKeyRecord[];
  readonly proposals: readonly Proposal[];
  /** Proposed keys that now appear in the authority. */
  readonly resolvedKeys: readonly NormalizedKey[];
  /** Keys whose pending proposal is auto-approved (after resolution). */
  readonly autoApproveKeys: readonly NormalizedKey[];
  /** First ids to use; null for a dry run, whose records are only simulated. */
  readonly nextMasterKeyId: number | null;
  readonly nextAuditId: number | null;
}

export interface StatusChange {
  readonly id: number;
  readonly status: MasterKeyStatus;
  readonly at: string;
  readonly actor: string;
  readonly reason: string | null;
}

export interface RegistryPlan {
  readonly inserted: readonly Planned<MasterKeyRecord>[];
  /** Status changes to records that existed before the run. */
  readonly changed: readonly StatusChange[];
  /** The registry as the run leaves it, in id order. */
  readonly after: readonly Planned<MasterKeyRecord>[];
  /** The same records by normalised key (the reports look keys up in it). */
  readonly afterByKey: RecordsByKey<Planned<MasterKeyRecord>>;
  /**
   * Its audit events in id order: one per proposal, then the status changes. The proposals'
   * are made each time the events are read rather than held: a run reads them twice (reports,
   * then the commit), and at 10M keys × 5 there are 1.1M of them, about 210 MB held.
   */
  readonly events: Iterable<Planned<AuditEvent>>;
  readonly resolved: number;
  readonly autoApproved: number;
  /** Next free audit id after this plan's events, for events appended later. */
  readonly nextAuditId: number | null;
}

/** Records looked up by normalised key. */
export interface RecordsByKey<R> {
  get(key: NormalizedKey): R | undefined;
}

export function planRegistryChanges(input: RegistryPlanInput): RegistryPlan {
  const { runId, now, proposals } = input;
  // The proposals' events take the first ids, in proposal order; the status changes the next.
  let nextAudit = input.nextAuditId === null ? null : input.nextAuditId + proposals.length;
  const changeEvents: Planned<AuditEvent>[] = [];
  const event = (fields: NewAuditEvent) => changeEvents.push(withAuditId(fields, nextAudit === null ? null : nextAudit++));

  const stamp = { now, runId };
  const inserted: Planned<MasterKeyRecord>[] = input.proposals.map(
    (proposal, offset) => new ProposedEntry(input.nextMasterKeyId === null ? null : input.nextMasterKeyId + offset, proposal, stamp),
  );

  // Entries by key: those the plan changed, then the registry's, then the new ones (never in the registry).
  const updatedByKey = new Map<NormalizedKey, Planned<MasterKeyRecord>>();
  const existingByKey = new Map<NormalizedKey, Planned<MasterKeyRecord>>();
  for (const record of input.existing) existingByKey.set(record.normalizedKey, record);
  const insertedByKey = entriesByKey(inserted);
  const byKey = (key: NormalizedKey) => updatedByKey.get(key) ?? existingByKey.get(key) ?? insertedByKey(key);
  const existingIds = new Set(input.existing.map((record) => record.id));
  const changed = new Map<number, StatusChange>();
  const apply = (key: NormalizedKey, action: MasterKeyAction, actor: string, reason: string | null): boolean => {
    const record = byKey(key);
    const transition = TRANSITIONS[action];
    if (!record || !transition.from.includes(record.status)) return false;
    // Field by field: a proposed entry's fields are getters, which a spread would not copy.
    const updated: Planned<MasterKeyRecord> = {
      id: record.id,
      masterKey: record.masterKey,
      normalizedKey: record.normalizedKey,
      sourceSystem: record.sourceSystem,
      sourceKey: record.sourceKey,
      strategy: record.strategy,
      status: transition.to,
      createdAt: record.createdAt,
      createdRunId: record.createdRunId,
      activatedAt: transition.to === 'active' ? now : record.activatedAt,
      statusChangedAt: now,
      statusChangedBy: actor,
      statusReason: reason,
      linkedTo: record.linkedTo,
    };
    updatedByKey.set(key, updated);
    if (record.id !== null && existingIds.has(record.id)) changed.set(record.id, { id: record.id, status: updated.status, at: now, actor, reason });
    event(transitionEvent(record, action, { actor, reason, now, runId }));
    return true;
  };
  const resolved = input.resolvedKeys.filter((key) => apply(key, 'resolve', 'keysync', 'key appeared in the authority')).length;
  const autoApproved = input.autoApproveKeys.filter((key) => apply(key, 'approve', 'auto-approve', null)).length;

  const final = (record: Planned<MasterKeyRecord>) => updatedByKey.get(record.normalizedKey) ?? record;
  const insertedAfter = updatedByKey.size > 0 ? inserted.map(final) : inserted;
  return {
    inserted: insertedAfter,
    changed: [...changed.values()],
    after: input.existing.map(final).concat(insertedAfter),
    afterByKey: { get: byKey },
    events: plannedEvents(proposals, input.nextAuditId, runId, now, changeEvents),
    resolved,
    autoApproved,
    nextAuditId: nextAudit,
  };
}

/**
 * The lookup by key of the entries made for proposals. Proposals follow the out-of-authority
 * keys, which are sorted by key, so a binary search finds an entry: a map of 1.1M entries (10M
 * keys × 5) held 56 MB. Entries in another order get a map.
 */
function entriesByKey(entries: readonly Planned<MasterKeyRecord>[]): (key: NormalizedKey) => Planned<MasterKeyRecord> | undefined {
  const sorted = entries.every((entry, i) => i === 0 || entries[i - 1]!.normalizedKey < entry.normalizedKey);
  if (!sorted) {
    const map = new Map(entries.map((entry) => [entry.normalizedKey, entry]));
    return (key) => map.get(key);
  }
  return (key) => {
    const entry = entries[firstNotBelow(entries.length, (place) => entries[place]!.normalizedKey, key)];
    return entry?.normalizedKey === key ? entry : undefined;
  };
}

/**
 * The entry the plan inserts for a proposal. All but its id and the proposal's own fields are
 * the same for every new entry (proposed now, by this run), so they are read from the run's
 * stamp rather than copied into each: at 10M keys × 5 the plan inserts 1.1M entries, which as
 * records of 14 fields held 155 MB (docs/decisions.md §9). Never spread: its fields are getters.
 */
class ProposedEntry implements Planned<MasterKeyRecord> {
  constructor(
    readonly id: number | null,
    private readonly proposal: Proposal,
    private readonly stamp: { readonly now: string; readonly runId: string },
  ) {}

  get masterKey(): string {
    return this.proposal.masterKey;
  }
  get normalizedKey(): NormalizedKey {
    return this.proposal.normalizedKey;
  }
  get sourceSystem(): SystemId {
    return this.proposal.sourceSystem;
  }
  get sourceKey(): string {
    return this.proposal.sourceKey;
  }
  get strategy(): ProvisioningStrategy {
    return this.proposal.strategy;
  }
  get status(): MasterKeyStatus {
    return 'proposed';
  }
  get createdAt(): string {
    return this.stamp.now;
  }
  get createdRunId(): string {
    return this.stamp.runId;
  }
  get activatedAt(): null {
    return null;
  }
  get statusChangedAt(): string {
    return this.stamp.now;
  }
  get statusChangedBy(): string {
    return 'keysync';
  }
  get statusReason(): null {
    return null;
  }
  get linkedTo(): null {
    return null;
  }
}

/** The events of a plan: each proposal's, made as it is read, then the status changes (made already). */
function plannedEvents(
  proposals: readonly Proposal[],
  firstId: number | null,
  runId: string,
  now: string,
  changeEvents: readonly Planned<AuditEvent>[],
): Iterable<Planned<AuditEvent>> {
  return {
    *[Symbol.iterator]() {
      for (let offset = 0; offset < proposals.length; offset++) {
        yield withAuditId(proposalEvent(proposals[offset]!, runId, now), firstId === null ? null : firstId + offset);
      }
      yield* changeEvents;
    },
  };
}

function proposalEvent(proposal: Proposal, runId: string, now: string): NewAuditEvent {
  return {
    timestamp: now, runId, eventType: 'master_key_proposed', system: proposal.sourceSystem, key: proposal.normalizedKey,
    action: 'propose', result: 'proposed', actor: 'keysync',
    details: `${proposal.strategy} master key ${proposal.masterKey} proposed for ${proposal.sourceSystem} key ${proposal.sourceKey}`,
  };
}
