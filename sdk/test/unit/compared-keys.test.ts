/** Which discrepancy groups a run may carry forward from an earlier one (core/compared-keys.ts). */
import assert from 'node:assert/strict';
import { sameDiscrepancyGroup, storedComparedKeys, type ComparedKeys } from '../../src/core/compared-keys.js';

const before: ComparedKeys = { authority: 'A', systems: ['A', 'B', 'C'], contents: { A: 'a1', B: 'b1', C: 'c1' } };

describe('compared keys: which discrepancy groups are unchanged', () => {
  it('carries every group when every system has the same content', () => {
    for (const [kind, system] of [['gap', 'B'], ['out_of_authority', 'C'], ['duplicate', 'A'], ['bad_row', 'B'], ['only_in_authority', '']] as const) {
      assert.equal(sameDiscrepancyGroup(before, before, kind, system), true, `${kind} ${system}`);
    }
  });

  it('after one downstream system changed, carries the others\' groups and not its own nor the keys only in A', () => {
    const now = { ...before, contents: { ...before.contents, B: 'b2' } };
    assert.equal(sameDiscrepancyGroup(before, now, 'gap', 'C'), true);
    assert.equal(sameDiscrepancyGroup(before, now, 'out_of_authority', 'C'), true);
    assert.equal(sameDiscrepancyGroup(before, now, 'duplicate', 'A'), true);
    for (const kind of ['gap', 'out_of_authority', 'duplicate', 'bad_row'] as const) assert.equal(sameDiscrepancyGroup(before, now, kind, 'B'), false, kind);
    assert.equal(sameDiscrepancyGroup(before, now, 'only_in_authority', ''), false);
  });

  it('after the authority changed, carries only the downstream systems\' own duplicates and bad rows', () => {
    const now = { ...before, contents: { ...before.contents, A: 'a2' } };
    assert.equal(sameDiscrepancyGroup(before, now, 'gap', 'B'), false);
    assert.equal(sameDiscrepancyGroup(before, now, 'out_of_authority', 'B'), false);
    assert.equal(sameDiscrepancyGroup(before, now, 'duplicate', 'A'), false);
    assert.equal(sameDiscrepancyGroup(before, now, 'duplicate', 'B'), true);
    assert.equal(sameDiscrepancyGroup(before, now, 'bad_row', 'C'), true);
  });

  it('carries nothing under another authority, even of the same contents', () => {
    const now = { ...before, authority: 'B', systems: ['B', 'A', 'C'] };
    assert.equal(sameDiscrepancyGroup(before, now, 'duplicate', 'C'), false);
    assert.equal(sameDiscrepancyGroup(before, now, 'gap', 'C'), false);
  });

  it('carries nothing of a system without a content id (read but not kept), in either run', () => {
    const unnamedNow = { ...before, contents: { A: 'a1', C: 'c1' } };
    assert.equal(sameDiscrepancyGroup(before, unnamedNow, 'gap', 'B'), false);
    assert.equal(sameDiscrepancyGroup(before, unnamedNow, 'only_in_authority', ''), false);
    assert.equal(sameDiscrepancyGroup(before, unnamedNow, 'gap', 'C'), true);
    const unnamedBefore = { ...before, contents: { A: 'a1', C: 'c1' } };
    assert.equal(sameDiscrepancyGroup(unnamedBefore, before, 'duplicate', 'B'), false);
  });

  it('recomputes the keys only in A when a system joined or left the run', () => {
    const joined = { ...before, systems: [...before.systems, 'D'], contents: { ...before.contents, D: 'd1' } };
    assert.equal(sameDiscrepancyGroup(before, joined, 'only_in_authority', ''), false);
    assert.equal(sameDiscrepancyGroup(joined, before, 'only_in_authority', ''), false);
    assert.equal(sameDiscrepancyGroup(before, joined, 'gap', 'C'), true);
  });

  it('reads back what a run stored, and nothing of another shape', () => {
    assert.deepEqual(storedComparedKeys(JSON.stringify(before)), before);
    for (const text of [null, '', '{', '[]', '{"authority":1,"systems":[],"contents":{}}', '{"authority":"A","systems":"A","contents":{}}', '{"authority":"A","systems":["A"],"contents":{"A":3}}', '{"authority":"A","systems":["A"],"contents":null}']) {
      assert.equal(storedComparedKeys(text), undefined, String(text));
    }
  });
});
