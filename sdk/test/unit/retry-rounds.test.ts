import assert from 'node:assert/strict';
import { readWithRetries } from '../../src/sources/retry-rounds.js';

/** A read whose items fail transiently a given number of times, then succeed. */
function flakyRead(failures: Record<string, number>) {
  const calls: string[][] = [];
  const read = async (items: readonly string[]) => {
    calls.push([...items]);
    return items.map((item) => (failures[item]! > 0 ? (failures[item]!--, `${item}:EBUSY`) : failures[item] === -1 ? `${item}:ENOENT` : `${item}:ok`));
  };
  return { read, calls };
}

describe('readWithRetries (error_handling.retry_attempts, retry_delay_seconds)', () => {
  const isTransient = (result: string) => result.endsWith(':EBUSY');

  it('reads again only what failed transiently, after the delay, until it succeeds', async () => {
    const { read, calls } = flakyRead({ A: 0, B: 2, C: -1 });
    const retried: string[] = [];
    const started = Date.now();
    const results = await readWithRetries(['A', 'B', 'C'], read, { attempts: 3, delayMs: 50 }, { isTransient, onRetry: (item, _result, attempt) => retried.push(`${item}#${attempt}`) });
    assert.deepEqual(results, ['A:ok', 'B:ok', 'C:ENOENT'], 'a missing file is not retried; its result stays');
    assert.deepEqual(calls, [['A', 'B', 'C'], ['B'], ['B']]);
    assert.deepEqual(retried, ['B#1', 'B#2']);
    assert.ok(Date.now() - started >= 95, 'waits the delay before each retry');
  });

  it('gives up after the attempts with the last failure, and retries nothing with attempts 0', async () => {
    const three = flakyRead({ B: 10 });
    assert.deepEqual(await readWithRetries(['B'], three.read, { attempts: 2, delayMs: 0 }, { isTransient, onRetry: () => undefined }), ['B:EBUSY']);
    assert.equal(three.calls.length, 3);
    const none = flakyRead({ B: 10 });
    assert.deepEqual(await readWithRetries(['B'], none.read, { attempts: 0, delayMs: 0 }, { isTransient, onRetry: () => undefined }), ['B:EBUSY']);
    assert.equal(none.calls.length, 1);
  });

  it('stops waiting when cancelled, as a cancel', async () => {
    const controller = new AbortController();
    const { read } = flakyRead({ B: 10 });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(readWithRetries(['B'], read, { attempts: 5, delayMs: 60_000 }, { isTransient, onRetry: () => undefined, signal: controller.signal }), (error: Error & { kind?: string }) => error.kind === 'cancelled');
  });
});
