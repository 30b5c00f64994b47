/**
 * A full garbage collection between two stages, where the process allows one. V8 returns an
 * ArrayBuffer's memory only when a full collection finds it unreachable. The match index is
 * typed arrays (348 MB over the 1.1M out-of-authority keys of 10M keys × 5; a pushdown
 * engine's pass, up to 250 MB) and garbage once matching ends, but the next full
 * collection may come only after provision and reports have allocated as much again, and
 * then both are held at once; likewise the comparison's garbage beside the index as it is
 * built (docs/decisions.md §18). The `keysync` CLI, a process of its own,
 * enables collections at start; a host that did not (the editor's extension host, a script
 * using the SDK, unless it runs node with --expose-gc) is left to V8's own timing.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let collect: (() => void) | undefined;

/** Lets collectGarbage run full collections in this process (the flag takes effect in a new context, whose `gc` works process-wide). */
export function enableFullCollections(): void {
  setFlagsFromString('--expose-gc');
  collect = runInNewContext('gc') as () => void;
}

/** A full collection now, if this process allows them; else nothing. */
export function collectGarbage(): void {
  (collect ?? (globalThis as { gc?: () => void }).gc)?.();
}
