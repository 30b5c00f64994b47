/** The master-key lifecycle as data (docs/behaviour.md §5): every action from every status. */
import assert from 'node:assert/strict';
import { nextStatus, TRANSITIONS, transitionEvent, type MasterKeyAction } from '../../src/core/lifecycle.js';
import type { MasterKeyStatus } from '../../src/core/types.js';
import { isKeySyncError } from '../../src/errors.js';

const STATUSES: readonly MasterKeyStatus[] = ['proposed', 'active', 'rejected', 'deprecated', 'resolved', 'linked'];
const ALLOWED: Readonly<Record<MasterKeyAction, Partial<Record<MasterKeyStatus, MasterKeyStatus>>>> = {
  approve: { proposed: 'active' },
  reject: { proposed: 'rejected' },
  deprecate: { active: 'deprecated' },
  resolve: { proposed: 'resolved' },
  link: { proposed: 'linked' },
  unlink: { linked: 'proposed' },
};
const record = { masterKey: 'MK-1', normalizedKey: 'CUST-1', sourceSystem: 'B' };

describe('nextStatus (docs/behaviour.md §5)', () => {
  for (const action of Object.keys(ALLOWED) as MasterKeyAction[]) {
    for (const from of STATUSES) {
      const to = ALLOWED[action][from];
      if (to) {
        it(`${action}: ${from} → ${to}`, () => assert.equal(nextStatus(record, from, action), to));
      } else {
        it(`${action}: refused from ${from}`, () => {
          assert.throws(
            () => nextStatus(record, from, action),
            (error: unknown) =>
              isKeySyncError(error) && error.code === 'ILLEGAL_TRANSITION' && error.kind === 'state' && error.message.includes(`it is ${from}`) && error.message.includes('MK-1'),
          );
        });
      }
    }
  }

  it('names the key in the remedy so its history can be looked up', () => {
    try {
      nextStatus(record, 'rejected', 'approve');
      assert.fail('expected a refusal');
    } catch (error) {
      assert.ok(isKeySyncError(error));
      assert.match(error.remedy ?? '', /keysync audit --key CUST-1/);
    }
  });

  it('has one audit event type per action, none shared', () => {
    const events = Object.values(TRANSITIONS).map((transition) => transition.event);
    assert.deepEqual(events, ['master_key_approved', 'master_key_rejected', 'master_key_deprecated', 'master_key_resolved', 'master_key_linked', 'master_key_unlinked']);
  });
});

describe('transitionEvent', () => {
  const by = { actor: 'ana', reason: 'test key', now: '2026-01-02T03:04:05.000Z', runId: 'run-1' };

  it('describes the move, with the reason, on the entry’s source system and key', () => {
    const event = transitionEvent({ ...record, status: 'proposed' }, 'reject', by);
    assert.deepEqual(event, {
      timestamp: by.now,
      runId: 'run-1',
      eventType: 'master_key_rejected',
      details: 'MK-1: proposed → rejected (test key)',
      system: 'B',
      key: 'CUST-1',
      action: 'reject',
      result: 'rejected',
      actor: 'ana',
    });
  });

  it('leaves the reason out when there is none, and carries a null run id for user actions', () => {
    const event = transitionEvent({ ...record, status: 'active' }, 'deprecate', { ...by, reason: null, runId: null });
    assert.equal(event.details, 'MK-1: active → deprecated');
    assert.equal(event.runId, null);
    assert.equal(event.result, 'deprecated');
  });
});
