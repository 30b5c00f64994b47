/** The engine a run may use in the editor, and the progress notification's bar for any engine's stages. */
import assert from 'node:assert/strict';
import { isKeySyncError, RECONCILE_STAGES } from '@keysync/sdk';
import { editorEngineRefusal } from '../../src/engine-support.js';
import { progressIncrements, runPercent } from '../../src/run-progress.js';

describe('engines in the editor (docs/behaviour.md §11)', () => {
  it('runs the node engine here', () => {
    assert.equal(editorEngineRefusal('node', '/w/keysync-config.yaml'), undefined);
  });

  it('refuses the duckdb engine: what, why and the fix, as a KeySyncError the editor shows in one line', () => {
    const refusal = editorEngineRefusal('duckdb', '/w/keysync-config.yaml');
    assert.ok(isKeySyncError(refusal));
    assert.equal(refusal.code, 'ENGINE_UNAVAILABLE');
    const text = refusal.describe();
    assert.match(text, /^\/w\/keysync-config\.yaml: processing\.engine is duckdb: the editor does not run the duckdb engine\./);
    assert.match(text, /native library \(@duckdb\/node-api\).*extension host/);
    assert.match(text, / — run the reconciliation in a terminal with the CLI \(keysync -c \/w\/keysync-config\.yaml\).*or set processing\.engine: node/);
    assert.doesNotMatch(text, /\n/);
  });
});

describe('run progress in the notification', () => {
  const share = 100 / RECONCILE_STAGES.length;

  it('gives each stage an equal share and moves within a stage by what it counted', () => {
    assert.equal(runPercent({ stage: 'read' }), 0);
    assert.equal(runPercent({ stage: 'read', done: 2, total: 4 }), share / 2);
    assert.equal(runPercent({ stage: 'compare' }), share);
    // An engine's compare steps: normalising 2 of 3 systems done.
    assert.equal(runPercent({ stage: 'compare', done: 2, total: 4 }), share * 1.5);
    assert.equal(runPercent({ stage: 'persist', done: 1, total: 1 }), 100);
  });

  it("adds up to the run's progress and never goes back", () => {
    const increment = progressIncrements();
    const steps = [
      increment({ stage: 'read', done: 0, total: 2 }),
      increment({ stage: 'read', done: 1, total: 2 }),
      increment({ stage: 'compare', done: 0, total: 3 }),
      increment({ stage: 'compare', done: 2, total: 3 }),
      increment({ stage: 'compare' }),
      increment({ stage: 'match' }),
    ];
    assert.deepEqual(steps.map((step) => Math.round(step * 1000) / 1000), [0, share / 2, share / 2, (share * 2) / 3, 0, share / 3].map((step) => Math.round(step * 1000) / 1000));
  });
});
