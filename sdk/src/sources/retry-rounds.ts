/**
 * Reading again what failed for a reason that may pass (`error_handling.retry_attempts`):
 * everything is read once, then only the items whose result is transient, after a wait, up
 * to `attempts` more rounds. Generic over what is read, so the policy is tested on its own.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { throwIfAborted } from '../errors.js';

export interface RetryPolicy {
  readonly attempts: number;
  readonly delayMs: number;
}

export interface RetryHooks<I, R> {
  isTransient(result: R): boolean;
  /** Called for each item about to be read again (to log it). */
  onRetry(item: I, result: R, attempt: number): void;
  readonly signal?: AbortSignal;
}

export async function readWithRetries<I, R>(items: readonly I[], read: (items: readonly I[]) => Promise<R[]>, policy: RetryPolicy, hooks: RetryHooks<I, R>): Promise<R[]> {
  const results = await read(items);
  for (let attempt = 1; attempt <= policy.attempts; attempt++) {
    const failed = results.flatMap((result, position) => (hooks.isTransient(result) ? [position] : []));
    if (failed.length === 0) break;
    for (const position of failed) hooks.onRetry(items[position]!, results[position]!, attempt);
    // A cancel during the wait ends it at once and is reported as a cancel, not a timer error.
    await sleep(policy.delayMs, undefined, { signal: hooks.signal }).catch(() => undefined);
    throwIfAborted(hooks.signal);
    const again = await read(failed.map((position) => items[position]!));
    for (const [index, position] of failed.entries()) results[position] = again[index]!;
  }
  return results;
}
