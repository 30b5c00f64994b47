/** Which results a run may carry forward from an earlier one (core/run-inputs.ts). */
import assert from 'node:assert/strict';
import { sameDiscrepancyGroup, sameMatchingInputs, storedRunInputs, type RunInputs } from '../../src/core/run-inputs.js';

const before: RunInputs = { authority: 'A', systems: ['A', 'B', 'C'], contents: { A: 'a1', B: 'b1', C: 'c1' }, matching: { enabled: true, max_distance: 2, max_candidates: 3, min_score: 0.85 } };

describe('run inputs: which results are unchanged', () => {
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

  it('recomputes the keys only in A when the systems were put in another order, and copies each system\'s own groups', () => {
    const reordered = { ...before, systems: ['A', 'C', 'B'] };
    assert.equal(sameDiscrepancyGroup(before, reordered, 'only_in_authority', ''), false);
    assert.equal(sameDiscrepancyGroup(before, reordered, 'gap', 'B'), true);
  });

  it('recomputes the keys only in A when a system joined or left the run', () => {
    const joined = { ...before, systems: [...before.systems, 'D'], contents: { ...before.contents, D: 'd1' } };
    assert.equal(sameDiscrepancyGroup(before, joined, 'only_in_authority', ''), false);
    assert.equal(sameDiscrepancyGroup(joined, before, 'only_in_authority', ''), false);
    assert.equal(sameDiscrepancyGroup(before, joined, 'gap', 'C'), true);
  });

  it('takes the previous matches only with the same keys in every system and the same settings', () => {
    assert.equal(sameMatchingInputs(before, { ...before }), true);
    assert.equal(sameMatchingInputs(before, { ...before, systems: ['A', 'C', 'B'] }), false, 'a reason names the systems in config order');
    assert.equal(sameMatchingInputs(before, { ...before, contents: { ...before.contents, C: 'c2' } }), false, 'a downstream system changes which system holds a candidate');
    assert.equal(sameMatchingInputs(before, { ...before, contents: { ...before.contents, A: 'a2' } }), false);
    assert.equal(sameMatchingInputs(before, { ...before, contents: { A: 'a1', B: 'b1' } }), false, 'a system without a content id');
    assert.equal(sameMatchingInputs(before, { ...before, systems: ['A', 'B'], contents: { A: 'a1', B: 'b1' } }), false, 'a system left the run');
    for (const matching of [{ enabled: false }, { max_distance: 1 }, { max_candidates: 4 }, { min_score: 0.9 }]) {
      assert.equal(sameMatchingInputs(before, { ...before, matching: { ...before.matching, ...matching } }), false, JSON.stringify(matching));
    }
  });

  it('reads back what a run stored, and nothing of another shape', () => {
    assert.deepEqual(storedRunInputs(JSON.stringify(before)), before);
    const matching = JSON.stringify(before.matching);
    for (const text of [
      null,
      '',
      '{',
      '[]',
      `{"authority":1,"systems":[],"contents":{},"matching":${matching}}`,
      `{"authority":"A","systems":"A","contents":{},"matching":${matching}}`,
      `{"authority":"A","systems":["A"],"contents":{"A":3},"matching":${matching}}`,
      `{"authority":"A","systems":["A"],"contents":null,"matching":${matching}}`,
      '{"authority":"A","systems":["A"],"contents":{}}',
      '{"authority":"A","systems":["A"],"contents":{},"matching":{"enabled":"yes","max_distance":2,"max_candidates":3,"min_score":0.85}}',
    ]) {
      assert.equal(storedRunInputs(text), undefined, String(text));
    }
  });
});
