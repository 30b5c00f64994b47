/** docs/behaviour.md §9: 0 done; 1 the run failed; 2 usage or config error; 3 discrepancies with --fail-on-discrepancy. */
import { isKeySyncError } from '../errors.js';

export const EXIT = { ok: 0, failed: 1, usage: 2, discrepancies: 3, interrupted: 130 } as const;

export function exitCodeFor(error: unknown): number {
  if (!isKeySyncError(error)) return EXIT.failed;
  if (error.kind === 'config' || error.kind === 'usage') return EXIT.usage;
  if (error.kind === 'cancelled') return EXIT.interrupted;
  return EXIT.failed;
}
