/** A fingerprint_query's result as one hash, for incremental mode: equal results, equal fingerprints. */
import { createHash } from 'node:crypto';

export function hashRows(rows: readonly (readonly (string | null)[])[]): string {
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}
