/** A run's registry and audit changes, planned in memory (docs/behaviour.md §5, docs/decisions.md §2). */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Proposal } from '../../src/core/provision.js';
import type { MasterKeyRecord } from '../../src/core/records.js';
import { planRegistryChanges, type RegistryPlanInput } from '../../src/core/registry-plan.js';
import type { MasterKeyStatus } from '../../src/core/types.js';

const NOW = '2026-03-04T05:06:07.000Z';
const BEFORE = '2026-01-01T00:00:00.000Z';

function entry(id: number, key: string, status: MasterKeyStatus): MasterKeyRecord {
  return {
    id, masterKey: `M-${key}`, normalizedKey: key, sourceSystem: 'B', sourceKey: key.toLowerCase(), strategy: 'mirror', status,
    createdAt: BEFORE, createdRunId: 'old-run', activatedAt: status === 'active' ? BEFORE : null,
    statusChangedAt: BEFORE, statusChangedBy: 'keysync', statusReason: null, linkedTo: status === 'linked' ? 'CUST-1' : null,
  };
}

const proposal = (key: string, system = 'C'): Proposal => ({ normalizedKey: key, masterKey: key, sourceSystem: system, sourceKey: key.toLowerCase(), strategy: 'mirror' });

function plan(overrides: Partial<RegistryPlanInput> = {}) {
  return planRegistryChanges({
    runId: 'run-2', now: NOW, existing: [], proposals: [], resolvedKeys: [], autoApproveKeys: [], nextMasterKeyId: 1, nextAuditId: 1, ...overrides,
  });
}

describe('planRegistryChanges', () => {
  it('inserts each proposal as a proposed entry with consecutive ids and one master_key_proposed event each', () => {
    const result = plan({ proposals: [proposal('K-1'), proposal('K-2', 'D')], nextMasterKeyId: 10, nextAuditId: 100 });
    assert.deepEqual(result.inserted.map((record) => [record.id, record.normalizedKey, record.status, record.sourceSystem, record.createdRunId, record.createdAt]), [
      [10, 'K-1', 'proposed', 'C', 'run-2', NOW],
      [11, 'K-2', 'proposed', 'D', 'run-2', NOW],
    ]);
    assert.deepEqual([...result.events].map((event) => [event.id, event.eventType, event.key, event.actor, event.runId]), [
      [100, 'master_key_proposed', 'K-1', 'keysync', 'run-2'],
      [101, 'master_key_proposed', 'K-2', 'keysync', 'run-2'],
    ]);
    assert.match([...result.events][0]!.details, /mirror master key K-1 proposed for C key k-1/);
    // The proposals' events are made as they are read: every read gives the same events.
    assert.deepEqual([...result.events], [...result.events]);
    assert.equal(result.nextAuditId, 102);
    assert.deepEqual(result.changed, []);
  });

  it('resolves a pending proposal whose key appeared in the authority, and records the change against the stored id', () => {
    const result = plan({ existing: [entry(1, 'K-1', 'proposed')], resolvedKeys: ['K-1'], nextMasterKeyId: 2, nextAuditId: 5 });
    assert.equal(result.resolved, 1);
    assert.deepEqual(result.changed, [{ id: 1, status: 'resolved', at: NOW, actor: 'keysync', reason: 'key appeared in the authority' }]);
    assert.equal(result.after[0]!.status, 'resolved');
    assert.deepEqual([...result.events].map((event) => [event.id, event.eventType, event.details]), [
      [5, 'master_key_resolved', 'M-K-1: proposed → resolved (key appeared in the authority)'],
    ]);
  });

  it('auto-approves pending proposals, old and new, setting activatedAt; decided entries are left alone', () => {
    const existing = [entry(1, 'OLD', 'proposed'), entry(2, 'GONE', 'rejected'), entry(3, 'LIVE', 'active')];
    const result = plan({ existing, proposals: [proposal('NEW')], autoApproveKeys: ['OLD', 'GONE', 'LIVE', 'NEW', 'UNKNOWN'], nextMasterKeyId: 4 });
    assert.equal(result.autoApproved, 2);
    assert.deepEqual(result.after.map((record) => [record.id, record.normalizedKey, record.status]), [
      [1, 'OLD', 'active'], [2, 'GONE', 'rejected'], [3, 'LIVE', 'active'], [4, 'NEW', 'active'],
    ]);
    // Only the entry that existed before the run is an update; the new one is inserted already active.
    assert.deepEqual(result.changed.map((change) => [change.id, change.status, change.actor]), [[1, 'active', 'auto-approve']]);
    assert.equal(result.inserted[0]!.status, 'active');
    assert.equal(result.inserted[0]!.activatedAt, NOW);
    assert.equal(result.after[0]!.activatedAt, NOW);
    assert.equal(result.after[2]!.activatedAt, BEFORE, 'an entry already active keeps its activation time');
    assert.deepEqual([...result.events].map((event) => [event.eventType, event.key, event.actor]), [
      ['master_key_proposed', 'NEW', 'keysync'],
      ['master_key_approved', 'OLD', 'auto-approve'],
      ['master_key_approved', 'NEW', 'auto-approve'],
    ]);
  });

  it('resolves before it auto-approves: a key that reached the authority is not approved', () => {
    const result = plan({ existing: [entry(1, 'K', 'proposed')], resolvedKeys: ['K'], autoApproveKeys: ['K'], nextMasterKeyId: 2 });
    assert.equal(result.resolved, 1);
    assert.equal(result.autoApproved, 0);
    assert.equal(result.after[0]!.status, 'resolved');
  });

  it('never resolves an entry that is not pending', () => {
    const existing = [entry(1, 'A1', 'active'), entry(2, 'R1', 'rejected'), entry(3, 'D1', 'deprecated')];
    const result = plan({ existing, resolvedKeys: ['A1', 'R1', 'D1'], nextMasterKeyId: 4 });
    assert.equal(result.resolved, 0);
    assert.deepEqual([...result.events], []);
    assert.deepEqual(result.after, existing);
  });

  it('plans without ids for a dry run', () => {
    const result = plan({ proposals: [proposal('K-1')], existing: [entry(1, 'P', 'proposed')], resolvedKeys: ['P'], nextMasterKeyId: null, nextAuditId: null });
    assert.equal(result.inserted[0]!.id, null);
    assert.ok([...result.events].every((event) => event.id === null));
    assert.equal(result.nextAuditId, null);
    assert.equal(result.changed.length, 1, 'a stored entry still has its id');
  });

  it('keeps the registry in id order, existing entries first, and does not change the input', () => {
    const existing = [entry(1, 'X', 'proposed')];
    const frozen = JSON.stringify(existing);
    const result = plan({ existing, proposals: [proposal('Y')], autoApproveKeys: ['X'], nextMasterKeyId: 2 });
    assert.deepEqual(result.after.map((record) => record.id), [1, 2]);
    assert.equal(JSON.stringify(existing), frozen);
  });

  it('looks up every entry after the plan by key, new ones whether the proposals come sorted by key or not', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom('A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'K-1', 'K-10', 'K-2', 'Ω', '\u{1F600}'), { maxLength: 13 }),
        fc.nat(13),
        fc.boolean(),
        fc.boolean(),
        (keys, split, sorted, autoApprove) => {
          const existingKeys = keys.slice(0, split);
          const newKeys = keys.slice(split);
          if (sorted) newKeys.sort();
          const existing = existingKeys.map((key, i) => entry(i + 1, key, i % 2 ? 'active' : 'proposed'));
          const result = plan({ existing, proposals: newKeys.map((key) => proposal(key)), autoApproveKeys: autoApprove ? keys : [], nextMasterKeyId: 100 });
          for (const record of result.after) assert.equal(result.afterByKey.get(record.normalizedKey), record, record.normalizedKey);
          assert.equal(result.after.length, keys.length);
          assert.equal(result.afterByKey.get('NOT-A-KEY'), undefined);
          if (autoApprove) for (const key of newKeys) assert.equal(result.afterByKey.get(key)!.status, 'active');
        },
      ),
      { numRuns: 300 },
    );
  });
});
