import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { collectGarbage, enableFullCollections } from '../../src/run/full-collection.js';

/** Whether an object nothing else holds is gone after collectGarbage (a WeakRef keeps its target to the end of the turn it was made in). */
async function collectedByIt(): Promise<boolean> {
  const ref = new WeakRef(new Uint8Array(16 * 2 ** 20));
  await nextTurn();
  collectGarbage();
  return ref.deref() === undefined;
}

describe('full collections between stages (run/full-collection.ts)', () => {
  it('once enabled, collects an unreachable typed array at once', async () => {
    enableFullCollections();
    assert.equal(await collectedByIt(), true);
  });
});
