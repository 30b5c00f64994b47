/**
 * What one raw key is (docs/behaviour.md §2): a key, or a bad row with its reason and the words
 * that explain it. Pure; the row policy of every source applies it, and the pushdown engines
 * (duckdb, postgres) apply it to the rows their SQL set aside, so every engine words a bad row
 * the same way.
 */
import type { Normalizer } from './normalize.js';
import type { BadRowReason, NormalizedKey } from './types.js';

/** Longer "keys" are corrupt rows (a runaway quoted field, a pasted document), not business keys. */
export const MAX_KEY_LENGTH = 1024;

/** What a decoder puts where bytes were not valid text in the source's encoding. */
export const REPLACEMENT_CHARACTER = '\uFFFD';

/** A raw key's verdict: its normalised key, or why the row is bad. */
export type RawKeyVerdict =
  | { readonly key: NormalizedKey }
  | { readonly reason: BadRowReason; readonly detail: string };

/** The checks of docs/behaviour.md §2 in their order, for a key field that is there (not NULL, not absent). */
export function classifyRawKey(raw: string, normalize: Normalizer, encoding: string): RawKeyVerdict {
  if (raw.trim() === '') return { reason: 'missing key', detail: 'the key field is blank' };
  if (raw.length > MAX_KEY_LENGTH) {
    return { reason: 'key too long', detail: `${raw.length.toLocaleString('en-US')} characters; a key has at most ${MAX_KEY_LENGTH.toLocaleString('en-US')}` };
  }
  if (raw.includes(REPLACEMENT_CHARACTER) || raw.includes('\0')) {
    return { reason: 'undecodable bytes', detail: raw.includes('\0') ? 'the key contains a NUL byte' : `the key is not valid ${encoding} text` };
  }
  const key = normalize(raw);
  if (key === '') return { reason: 'empty after normalisation', detail: `"${raw}" has no letter or digit` };
  return { key };
}

/** The key a raw key normalises to, or null for a bad row: what every engine must agree on with normalizeKey. */
export function expectedKey(raw: string, normalize: Normalizer): NormalizedKey | null {
  const verdict = classifyRawKey(raw, normalize, 'UTF-8');
  return 'key' in verdict ? verdict.key : null;
}
