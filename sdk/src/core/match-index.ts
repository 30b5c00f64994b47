/**
 * An index over the out-of-authority keys past which the authority's keys are streamed, one
 * at a time: for each authority key it finds the indexed keys that may have been meant to be
 * it (docs/behaviour.md §10) without comparing all pairs, and holds nothing of the authority:
 * - exact lookups of canonical forms (core/key-forms.ts): without padding, without
 *   delimiters, both, and with confusable characters folded;
 * - exact lookups of the authority key without its first or last segment (a key that dropped
 *   one), and of the authority key among the keys without their own first or last segment
 *   (a key with an extra one);
 * - symmetric deletes (SymSpell) for edit distance: every indexed key with up to
 *   `maxDistance` (at most 2) characters removed, the authority key asking with at most one
 *   removed. Equal strings of deletions mean a small edit distance, which the bounded
 *   Damerau distance then confirms and prices (core/edit-distance.ts). Below distance 2,
 *   the second removal is replaced by an equivalent cheaper lookup (one removal with
 *   confusables folded).
 *
 * The search is the one an index over the authority's keys made, turned around so memory
 * grows with the out-of-authority keys, not with the authority (docs/decisions.md §18).
 * Entries are 32-bit hashes in typed arrays (core/hash-postings.ts), with no string per form;
 * every hit is confirmed on the real keys, or first priced on the key a deletion entry
 * stands for.
 */
import { boundedCodeDistance } from './edit-distance.js';
import { CountedPostingsBuilder, HashPostings, PostingsBuilder } from './hash-postings.js';
import { FORM, hashCodes, MAX_EDIT_KEY_LENGTH, segmentBounds, writeForm } from './key-forms.js';
import type { NormalizedKey } from './types.js';

/** What made an authority key a candidate. */
export type MatchKind = 'padding' | 'delimiters' | 'edit' | 'segment';

/**
 * Scores on one 0–1 scale for every reason (docs/behaviour.md §10): a formatting difference
 * (padding, delimiters) says more than a typo, a typo more than a dropped segment.
 */
export const MATCH_SCORES = {
  padding: 0.95,
  delimiters: 0.95,
  paddingAndDelimiters: 0.9,
  /**
   * An edit scores `editBase − editPerUnit × distance`: 0.85 for one confusable, 0.8 for one
   * edit, 0.7 for two — below the default `min_score` unless the registry corroborates it
   * (gapBonus): in sequential key spaces nearly every key is an edit or two from some A key.
   */
  editBase: 0.9,
  editPerUnit: 0.1,
  segment: 0.75,
  /** Taken off when a downstream system that has the key also has the candidate: then they are more likely two entities. */
  heldPenalty: 0.2,
  /**
   * Added when every system that has the key lacks the candidate while another downstream
   * system holds it: the key then also explains a propagation gap of just those systems.
   */
  gapBonus: 0.1,
} as const;

/** How an authority key may be what an out-of-authority key was meant to be: the reason and its score. */
export interface RawCandidate {
  readonly kind: MatchKind;
  readonly score: number;
  readonly reason: string;
}

/** The largest distance the symmetric-delete lookups cover (two removals from the out-of-authority key). */
export const MAX_SEARCH_DISTANCE = 2;

const FORMS = [
  { flags: FORM.padding, kind: 'padding', score: MATCH_SCORES.padding, reason: 'padding' },
  { flags: FORM.delimiters, kind: 'delimiters', score: MATCH_SCORES.delimiters, reason: 'delimiters' },
  { flags: FORM.padding | FORM.delimiters, kind: 'padding', score: MATCH_SCORES.paddingAndDelimiters, reason: 'padding and delimiters' },
] as const;
/** Confusables folded on top of both: its hits are priced by edit distance. */
const FOLDED = FORM.padding | FORM.delimiters | FORM.confusables;

const segment = (reason: string): RawCandidate => ({ kind: 'segment', score: MATCH_SCORES.segment, reason });
const MISSING_PREFIX = segment('missing prefix segment');
const MISSING_SUFFIX = segment('missing suffix segment');
const EXTRA_PREFIX = segment('extra prefix segment');
const EXTRA_SUFFIX = segment('extra suffix segment');

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

export class MatchIndex {
  private readonly forms: HashPostings[];
  private readonly exact: HashPostings;
  private readonly withoutFirst: HashPostings;
  private readonly withoutLast: HashPostings;
  private readonly folded: HashPostings | null;
  private readonly deletes: HashPostings | null;
  /** Keys with confusable characters folded and one removed, hashed as deletions are (distances from 1.5 to under 2 only). */
  private readonly confusablesFoldedRemovals: HashPostings | null;
  /** Each key's codes, one after another (keys within edit reach only): edits are priced on them. */
  private readonly codes: Uint16Array;
  private readonly codesStart: Uint32Array;
  /** The key being priced, copied out of `codes`. */
  private readonly indexedKey = new Uint16Array(MAX_EDIT_KEY_LENGTH);
  /** The authority key being scanned and its forms, grown for long keys. */
  private authority = new Uint16Array(MAX_EDIT_KEY_LENGTH + 1);
  /** An indexed key's form, or the authority key's folded; holds the longest of either. */
  private form: Uint16Array;
  /** Deletion hashes of one key (at most 1 + n + n(n−1)/2 of them). */
  private readonly hashes = new Uint32Array(mostDeletionHashes(MAX_EDIT_KEY_LENGTH, MAX_SEARCH_DISTANCE));
  /** What each of `hashes` was made by (see `deletionHashes`). */
  private readonly removals = new Uint32Array(this.hashes.length);
  /** An authority key rebuilt from an indexed key and its deletion entry. */
  private readonly neighbour = new Uint16Array(MAX_EDIT_KEY_LENGTH + 1);
  /** offered[position] === pass: the key has a candidate from the authority key being scanned, `best[position]`. */
  private readonly offered: Uint32Array;
  private readonly best: RawCandidate[];
  private readonly touched: number[] = [];
  /** priced[position] === pass: the edit distance to the authority key being scanned is known. */
  private readonly priced: Uint32Array;
  private pass = 0;

  /**
   * `keys`: the out-of-authority keys (positions in the scan's answers are theirs);
   * `maxDistance`: the edit distance searched (0 turns edit matching off).
   */
  constructor(
    readonly keys: readonly NormalizedKey[],
    readonly maxDistance: number,
  ) {
    // Two removals from the key meet authority keys one shorter (an insertion plus another
    // edit, 1.5 at least) or two shorter (two insertions, 2). Below 2, the other edit can only
    // be a confusable substitution: the key with one removal and confusables folded then
    // equals the authority key folded, a dozen entries instead of two removals' ~n²/2.
    const removed = maxDistance >= MAX_SEARCH_DISTANCE ? 2 : 1;
    let longest = MAX_EDIT_KEY_LENGTH;
    let editable = 0;
    for (const key of keys) {
      if (key.length > longest) longest = key.length;
      if (key.length <= MAX_EDIT_KEY_LENGTH) editable += key.length;
    }
    const out = new Uint16Array(longest + 1);
    const edits = maxDistance > 0;
    // The deletion entries, most of the index, are counted in a pass of their own first, so
    // they are placed as they come and sealed without a second copy (hash-postings.ts).
    const deletes = edits ? new CountedPostingsBuilder(true) : null;
    if (deletes) {
      for (const key of keys) {
        if (key.length > MAX_EDIT_KEY_LENGTH || !LETTER_OR_DIGIT.test(key)) continue;
        const count = deletionHashes(out, writeForm(key, 0, key.length, 0, out), removed, this.hashes, this.removals);
        for (let i = 0; i < count; i++) deletes.count(this.hashes[i]!);
      }
    }
    this.form = new Uint16Array(longest + 1);
    this.offered = new Uint32Array(keys.length);
    this.priced = new Uint32Array(keys.length);
    this.best = new Array<RawCandidate>(keys.length);
    this.codes = new Uint16Array(maxDistance > 0 ? editable : 0);
    this.codesStart = new Uint32Array(maxDistance > 0 ? keys.length + 1 : 0);
    const formBuilders = FORMS.map(() => new PostingsBuilder(keys.length));
    const exact = new PostingsBuilder(keys.length);
    const withoutFirst = new PostingsBuilder(keys.length);
    const withoutLast = new PostingsBuilder(keys.length);
    // Sized for the most entries the keys can make, once: growing by doubling copied millions
    // of entries and held old and new arrays at once, while the pages of a bound never reached
    // are never touched (docs/decisions.md §18).
    const folded = edits ? new PostingsBuilder(keys.length) : null;
    const confusablesFoldedRemovals = maxDistance >= 1.5 && maxDistance < MAX_SEARCH_DISTANCE ? new PostingsBuilder(editable) : null;
    let written = 0;
    for (let position = 0; position < keys.length; position++) {
      const key = keys[position]!;
      if (edits) this.codesStart[position] = written;
      // A key with no letter or digit is matched to nothing (its forms are empty).
      if (!LETTER_OR_DIGIT.test(key)) continue;
      FORMS.forEach((form, i) => formBuilders[i]!.add(hashCodes(out, writeForm(key, 0, key.length, form.flags, out)), position));
      exact.add(hashCodes(out, writeForm(key, 0, key.length, 0, out)), position);
      const segments = segmentBounds(key);
      if (segments) {
        withoutFirst.add(hashCodes(out, writeForm(key, segments.restStart, key.length, 0, out)), position);
        withoutLast.add(hashCodes(out, writeForm(key, 0, segments.headEnd, 0, out)), position);
      }
      if (!edits || key.length > MAX_EDIT_KEY_LENGTH) continue;
      folded!.add(hashCodes(out, writeForm(key, 0, key.length, FOLDED, out)), position);
      const n = writeForm(key, 0, key.length, 0, out);
      this.codes.set(out.subarray(0, n), written);
      written += n;
      const count = deletionHashes(out, n, removed, this.hashes, this.removals);
      for (let i = 0; i < count; i++) deletes!.add(this.hashes[i]!, position, entryTag(this.removals[i]!));
      if (confusablesFoldedRemovals) {
        const count = deletionHashes(out, writeForm(key, 0, key.length, FORM.confusables, out), 1, this.hashes, this.removals);
        for (let i = 1; i < count; i++) confusablesFoldedRemovals.add(this.hashes[i]!, position);
      }
    }
    if (edits) this.codesStart[keys.length] = written;
    this.forms = formBuilders.map((builder) => builder.seal());
    this.exact = exact.seal();
    this.withoutFirst = withoutFirst.seal();
    this.withoutLast = withoutLast.seal();
    this.folded = folded?.seal() ?? null;
    this.deletes = deletes?.seal() ?? null;
    this.confusablesFoldedRemovals = confusablesFoldedRemovals?.seal() ?? null;
  }

  /**
   * Calls `found` once for every indexed key that `authorityKey` may have been meant to be,
   * with its best reason (the first found among equal scores, in the order of
   * docs/behaviour.md §10's table). Candidates scoring below `floor` are not looked for: a
   * caller that knows none of them could be kept for this authority key skips their lookups.
   */
  scan(authorityKey: NormalizedKey, found: (position: number, candidate: RawCandidate) => void, floor = 0): void {
    // Loops over first/next and methods rather than callbacks: this runs per authority key,
    // millions of times, and closures made per key cost as much as the lookups.
    this.pass++;
    const a = authorityKey;
    const m = a.length;
    if (this.authority.length <= m) this.authority = new Uint16Array(m * 2);
    if (this.form.length <= m) this.form = new Uint16Array(m * 2);
    const out = this.authority;
    for (let i = 0; i < FORMS.length; i++) {
      const form = FORMS[i]!;
      if (form.score < floor) continue;
      // A form keeps the key's letters and digits (padding leaves each run's last digit); it
      // stays in `out` while its hits are compared.
      const length = writeForm(a, 0, m, form.flags, out);
      const postings = this.forms[i]!;
      const hash = hashCodes(out, length);
      for (let entry = postings.first(hash); entry >= 0; entry = postings.next(entry, hash)) {
        const position = postings.valueAt(entry);
        const key = this.keys[position]!;
        if (key !== a && sameCodes(this.form, writeForm(key, 0, key.length, form.flags, this.form), out, length)) this.offer(position, form);
      }
    }
    if (MATCH_SCORES.segment >= floor) this.segmentCandidates(a, out);
    const bound = editReach(floor, this.maxDistance);
    if (this.deletes && bound > 0) this.editCandidates(a, out, bound);
    for (const position of this.touched) found(position, this.best[position]!);
    this.touched.length = 0;
  }

  /** Records a candidate for the key at `position`, unless it has a better one from this authority key. */
  private offer(position: number, candidate: RawCandidate): void {
    if (this.offered[position] !== this.pass) {
      this.offered[position] = this.pass;
      this.best[position] = candidate;
      this.touched.push(position);
    } else if (candidate.score > this.best[position]!.score) this.best[position] = candidate;
  }

  private segmentCandidates(a: string, out: Uint16Array): void {
    const bounds = segmentBounds(a);
    if (bounds) {
      const rest = hashCodes(out, writeForm(a, bounds.restStart, a.length, 0, out));
      for (let entry = this.exact.first(rest); entry >= 0; entry = this.exact.next(entry, rest)) {
        const position = this.exact.valueAt(entry);
        if (this.keys[position] === a.slice(bounds.restStart)) this.offer(position, MISSING_PREFIX);
      }
      const head = hashCodes(out, writeForm(a, 0, bounds.headEnd, 0, out));
      for (let entry = this.exact.first(head); entry >= 0; entry = this.exact.next(entry, head)) {
        const position = this.exact.valueAt(entry);
        if (this.keys[position] === a.slice(0, bounds.headEnd)) this.offer(position, MISSING_SUFFIX);
      }
    }
    const whole = hashCodes(out, writeForm(a, 0, a.length, 0, out));
    for (let entry = this.withoutFirst.first(whole); entry >= 0; entry = this.withoutFirst.next(entry, whole)) {
      const position = this.withoutFirst.valueAt(entry);
      const key = this.keys[position]!;
      const own = segmentBounds(key);
      if (own && key.slice(own.restStart) === a) this.offer(position, EXTRA_PREFIX);
    }
    for (let entry = this.withoutLast.first(whole); entry >= 0; entry = this.withoutLast.next(entry, whole)) {
      const position = this.withoutLast.valueAt(entry);
      const key = this.keys[position]!;
      const own = segmentBounds(key);
      if (own && key.slice(0, own.headEnd) === a) this.offer(position, EXTRA_SUFFIX);
    }
  }

  /** Edits within `bound` (at most `maxDistance`): below 1 only a confusable substitution, which the folded form finds. */
  private editCandidates(a: string, out: Uint16Array, bound: number): void {
    const m = writeForm(a, 0, a.length, 0, out);
    // Confusables folded find keys misread in several places at once, beyond the deletions' reach.
    const folded = this.folded!;
    const foldedHash = hashCodes(this.form, writeForm(a, 0, a.length, FOLDED, this.form));
    for (let entry = folded.first(foldedHash); entry >= 0; entry = folded.next(entry, foldedHash)) this.confirm(folded.valueAt(entry), a, out, m, bound);
    if (m > MAX_EDIT_KEY_LENGTH || bound < 1) return;
    const deletes = this.deletes!;
    const count = deletionHashes(out, m, 1, this.hashes, this.removals);
    for (let i = 0; i < count; i++) {
      const hash = this.hashes[i]!;
      const lost = this.removals[i]!;
      for (let entry = deletes.first(hash); entry >= 0; entry = deletes.next(entry, hash)) {
        const position = deletes.valueAt(entry);
        if (this.priced[position] === this.pass) continue;
        const asked = deletes.tagAt(entry);
        if (lost !== WHOLE && asked !== ENTRY_WHOLE) {
          // Removals on both sides: this authority key's entry says which character it lost
          // where, so the key it stands for is rebuilt from the indexed key and priced as
          // before the index was inverted (docs/decisions.md §18). Most such pairs are a
          // shift between far places, beyond the bound; a mere hash collision rebuilds a
          // wrong key, which is dropped or, within the bound, confirmed on the real keys.
          const n = this.keyCodes(position);
          const second = asked & ENTRY_TWO ? (asked >>> 6) & POSITION : -1;
          const length = rebuild(this.indexedKey, n, asked & POSITION, second, lost, this.neighbour);
          const distance = boundedCodeDistance(this.indexedKey, n, this.neighbour, length, bound);
          if (distance === Infinity) continue;
          // Rebuilt right (no collision): that was the real distance.
          if (sameCodes(this.neighbour, length, out, m)) {
            this.priced[position] = this.pass;
            if (this.keys[position] !== a && distance < Math.min(n, m)) this.offer(position, EDIT_CANDIDATES[distance * 2]!);
            continue;
          }
        }
        this.confirm(position, a, out, m, bound);
      }
    }
    const removals = this.confusablesFoldedRemovals;
    if (removals && bound >= 1.5) {
      deletionHashes(this.form, writeForm(a, 0, a.length, FORM.confusables, this.form), 0, this.hashes, this.removals);
      const hash = this.hashes[0]!;
      for (let entry = removals.first(hash); entry >= 0; entry = removals.next(entry, hash)) this.confirm(removals.valueAt(entry), a, out, m, bound);
    }
  }

  /** Prices the indexed key at `position` against the authority key `a` (its codes in `out`) within `bound`, once per authority key. */
  private confirm(position: number, a: string, out: Uint16Array, m: number, bound: number): void {
    if (this.priced[position] === this.pass) return;
    this.priced[position] = this.pass;
    if (this.keys[position] === a) return;
    const n = this.keyCodes(position);
    const distance = boundedCodeDistance(this.indexedKey, n, out, m, bound);
    // Edits that change as many characters as the shorter key has leave nothing in common.
    if (distance === Infinity || distance >= Math.min(n, m)) return;
    this.offer(position, EDIT_CANDIDATES[distance * 2]!);
  }

  /** Copies the indexed key at `position` into `indexedKey`; returns its length. */
  private keyCodes(position: number): number {
    const start = this.codesStart[position]!;
    const n = this.codesStart[position + 1]! - start;
    for (let i = 0; i < n; i++) this.indexedKey[i] = this.codes[start + i]!;
    return n;
  }
}

/** Edit candidates by distance in half units: a run confirms millions of them. */
const EDIT_CANDIDATES: readonly RawCandidate[] = Array.from({ length: MAX_SEARCH_DISTANCE * 2 + 1 }, (_, half) => ({
  kind: 'edit',
  score: roundScore(MATCH_SCORES.editBase - MATCH_SCORES.editPerUnit * (half / 2)),
  reason: `edit distance ${half / 2}`,
}));

/** Every score a candidate can have before the registry moves it (`RawCandidate.score`). */
export const CANDIDATE_SCORES: readonly number[] = [...new Set([...FORMS.map((form) => form.score), MATCH_SCORES.segment, ...EDIT_CANDIDATES.slice(1).map((edit) => edit.score)])];

/** The largest edit distance (in steps of 0.5, at most `maxDistance`) whose candidates score at least `floor`; 0 for none. */
function editReach(floor: number, maxDistance: number): number {
  for (let half = Math.floor(maxDistance * 2); half > 0; half--) if (EDIT_CANDIDATES[half]!.score >= floor) return half / 2;
  return 0;
}

function sameCodes(a: Uint16Array, lengthA: number, b: Uint16Array, lengthB: number): boolean {
  if (lengthA !== lengthB) return false;
  for (let i = 0; i < lengthA; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function roundScore(score: number): number {
  return Math.round(score * 100) / 100;
}

const BASE = 0x01000193;
const POWERS = new Int32Array(MAX_EDIT_KEY_LENGTH + 2);
POWERS[0] = 1;
for (let i = 1; i < POWERS.length; i++) POWERS[i] = Math.imul(POWERS[i - 1]!, BASE);
const prefix = new Int32Array(MAX_EDIT_KEY_LENGTH + 2);

/**
 * The tag of a text's own hash; a removal's tag packs its place (POSITION bits) and the
 * character above, two removals' their places and the TWO bit.
 */
const WHOLE = 0xffff_ffff;
const POSITION = 63;
const TWO = 0x8000_0000;

/**
 * What an indexed deletion entry keeps of its removal, in the postings' 16-bit tag: the places
 * only (an authority key's lookup needs the character it lost itself, never the indexed key's):
 * ENTRY_WHOLE, one place, or two places and ENTRY_TWO. Places are below MAX_EDIT_KEY_LENGTH (64).
 */
const ENTRY_WHOLE = 0xffff;
const ENTRY_TWO = 0x8000;
function entryTag(removal: number): number {
  if (removal === WHOLE) return ENTRY_WHOLE;
  return removal & TWO ? (removal & 0xfff) | ENTRY_TWO : removal & POSITION;
}

/**
 * The text an entry with one removal stands for, given a text of the key with `first` (and
 * `second`, or -1) removed that hashes alike: that text with the entry's removed character
 * put back at its place. Returns its length.
 */
function rebuild(codes: Uint16Array, n: number, first: number, second: number, found: number, into: Uint16Array): number {
  const at = found & POSITION;
  const code = found >>> 6;
  let length = 0;
  for (let i = 0; i < n; i++) {
    if (i === first || i === second) continue;
    if (length === at) into[length++] = code;
    into[length++] = codes[i]!;
  }
  if (length === at) into[length++] = code;
  return length;
}

/** The most hashes `deletionHashes` writes for a text of `n` characters with up to `most` removed (fewer when characters repeat). */
function mostDeletionHashes(n: number, most: number): number {
  return 1 + (most >= 1 ? n : 0) + (most >= 2 ? (n * (n - 1)) / 2 : 0);
}

/**
 * Writes into `into` the hash of the text itself, then of every text made by removing one of
 * its characters, then (when `most` is 2) two; returns how many. `removals` gets what each
 * was made by: WHOLE for the text itself, `place | character << 6` for one removal,
 * `place | second place << 6 | TWO` for two. Polynomial hashes of prefixes let each removal be
 * hashed in constant time; removing a character equal to the one before it gives the same
 * text, so only the first of a run is removed.
 */
function deletionHashes(codes: Uint16Array, n: number, most: number, into: Uint32Array, removals: Uint32Array): number {
  prefix[0] = 0;
  for (let i = 0; i < n; i++) prefix[i + 1] = (Math.imul(prefix[i]!, BASE) + codes[i]!) | 0;
  // Hash of codes[a, b).
  const part = (a: number, b: number): number => (prefix[b]! - Math.imul(prefix[a]!, POWERS[b - a]!)) | 0;
  let count = 0;
  removals[count] = WHOLE;
  into[count++] = finish(prefix[n]!, n);
  if (most < 1) return count;
  for (let j = 0; j < n; j++) {
    if (j > 0 && codes[j] === codes[j - 1]) continue;
    removals[count] = j | (codes[j]! << 6);
    into[count++] = finish((Math.imul(prefix[j]!, POWERS[n - 1 - j]!) + part(j + 1, n)) | 0, n - 1);
  }
  if (most < 2) return count;
  for (let j = 0; j < n; j++) {
    if (j > 0 && codes[j] === codes[j - 1]) continue;
    for (let k = j + 1; k < n; k++) {
      if (k > j + 1 && codes[k] === codes[k - 1]) continue;
      const hash = (Math.imul(prefix[j]!, POWERS[n - 2 - j]!) + Math.imul(part(j + 1, k), POWERS[n - 1 - k]!) + part(k + 1, n)) | 0;
      removals[count] = (j | (k << 6) | TWO) >>> 0;
      into[count++] = finish(hash, n - 2);
    }
  }
  return count;
}

/** Mixes in the length and spreads the bits (murmur3's finaliser), so the directory's buckets fill evenly. */
function finish(hash: number, length: number): number {
  let h = (hash + Math.imul(length, 0x9e3779b1)) | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
