/**
 * An index over the authority's keys that finds, for one key outside the authority, the
 * authority keys it may have been meant to be (docs/behaviour.md §10) without comparing all
 * pairs:
 * - exact lookups of canonical forms (core/key-forms.ts): without padding, without
 *   delimiters, both, and with confusable characters folded;
 * - exact lookups of each authority key without its first or last segment (a dropped
 *   prefix or suffix), and of the key without its own first or last segment (an extra one);
 * - symmetric deletes (SymSpell) for edit distance: every authority key is indexed with each
 *   single character removed; a key asks with up to `maxDistance` (at most 2) characters
 *   removed. Equal strings of deletions mean a small edit distance, which the bounded
 *   Damerau distance then confirms and prices (core/edit-distance.ts). Below distance 2,
 *   the second removal is replaced by an equivalent cheaper lookup (`foldedRemovalCandidates`).
 *
 * Entries are 32-bit hashes in typed arrays (core/hash-postings.ts), so a million keys cost
 * a dozen entries each and no string per form; every hit is confirmed on the real keys, or
 * first priced on the key a deletion entry stands for (docs/decisions.md §18).
 */
import { boundedCodeDistance, boundedDistance } from './edit-distance.js';
import { HashPostings, PostingsBuilder } from './hash-postings.js';
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

export interface RawCandidate {
  /** Position of the authority key in the index's key list. */
  readonly position: number;
  readonly kind: MatchKind;
  readonly score: number;
  readonly reason: string;
}

/** The largest distance the symmetric-delete lookups cover (two removals from the asking key). */
export const MAX_SEARCH_DISTANCE = 2;

const FORMS = [
  { flags: FORM.padding, kind: 'padding', score: MATCH_SCORES.padding, reason: 'padding' },
  { flags: FORM.delimiters, kind: 'delimiters', score: MATCH_SCORES.delimiters, reason: 'delimiters' },
  { flags: FORM.padding | FORM.delimiters, kind: 'padding', score: MATCH_SCORES.paddingAndDelimiters, reason: 'padding and delimiters' },
] as const;
/** Confusables folded on top of both: its hits are priced by edit distance. */
const FOLDED = FORM.padding | FORM.delimiters | FORM.confusables;

const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

export class MatchIndex {
  private readonly forms: HashPostings[];
  private readonly folded: HashPostings;
  private readonly exact: HashPostings;
  private readonly withoutFirst: HashPostings;
  private readonly withoutLast: HashPostings;
  private readonly deletes: HashPostings | null;
  /** Keys within edit reach with confusable characters folded and nothing removed, hashed as deletions are. */
  private readonly confusablesFolded: HashPostings | null;
  private readonly buffer: Uint16Array;
  /** An authority key's form, to compare with the asking key's in `buffer`. */
  private readonly formOfCandidate: Uint16Array;
  /** Deletion hashes of one key (at most 1 + n + n(n−1)/2 of them). */
  private readonly hashes = new Uint32Array(1 + (MAX_EDIT_KEY_LENGTH * (MAX_EDIT_KEY_LENGTH + 1)) / 2);
  /** What each of `hashes` was made by (see `deletionHashes`). */
  private readonly removals = new Uint32Array(this.hashes.length);
  /** An authority key rebuilt from the key being matched and a deletion entry. */
  private readonly neighbour = new Uint16Array(MAX_EDIT_KEY_LENGTH + 1);
  /** seen[position] === pass: the authority key was already confirmed for the key being matched. */
  private readonly seen: Uint32Array;
  private pass = 0;
  /** How many authority keys have each length (up to MAX_EDIT_KEY_LENGTH): removals that could reach none are not looked up. */
  private readonly lengths = new Uint32Array(MAX_EDIT_KEY_LENGTH + 1);

  /** `keys`: the authority's keys; `maxDistance`: the edit distance searched (0 turns edit matching off). */
  constructor(
    readonly keys: readonly NormalizedKey[],
    readonly maxDistance: number,
  ) {
    let longest = 0;
    let deletions = 0;
    for (const key of keys) {
      if (key.length > longest) longest = key.length;
      if (key.length <= MAX_EDIT_KEY_LENGTH) {
        deletions += key.length + 1;
        this.lengths[key.length]!++;
      }
    }
    this.buffer = new Uint16Array(Math.max(longest, MAX_EDIT_KEY_LENGTH) + 1);
    this.formOfCandidate = new Uint16Array(this.buffer.length);
    const out = this.buffer;
    this.seen = new Uint32Array(keys.length);
    const formBuilders = FORMS.map(() => new PostingsBuilder(keys.length));
    const folded = new PostingsBuilder(keys.length);
    const exact = new PostingsBuilder(keys.length);
    const withoutFirst = new PostingsBuilder(keys.length);
    const withoutLast = new PostingsBuilder(keys.length);
    const deletes = maxDistance > 0 ? new PostingsBuilder(deletions, true) : null;
    const confusablesFolded = maxDistance > 0 ? new PostingsBuilder(keys.length) : null;
    for (let position = 0; position < keys.length; position++) {
      const key = keys[position]!;
      FORMS.forEach((form, i) => formBuilders[i]!.add(hashCodes(out, writeForm(key, 0, key.length, form.flags, out)), position));
      folded.add(hashCodes(out, writeForm(key, 0, key.length, FOLDED, out)), position);
      exact.add(hashCodes(out, writeForm(key, 0, key.length, 0, out)), position);
      const segments = segmentBounds(key);
      if (segments) {
        withoutFirst.add(hashCodes(out, writeForm(key, segments.restStart, key.length, 0, out)), position);
        withoutLast.add(hashCodes(out, writeForm(key, 0, segments.headEnd, 0, out)), position);
      }
      if (deletes && key.length <= MAX_EDIT_KEY_LENGTH) {
        const count = deletionHashes(out, writeForm(key, 0, key.length, 0, out), 1, this.hashes, this.removals);
        for (let i = 0; i < count; i++) deletes.add(this.hashes[i]!, position, this.removals[i]!);
        deletionHashes(out, writeForm(key, 0, key.length, FORM.confusables, out), 0, this.hashes, this.removals);
        confusablesFolded!.add(this.hashes[0]!, position);
      }
    }
    this.forms = formBuilders.map((builder) => builder.seal());
    this.folded = folded.seal();
    this.exact = exact.seal();
    this.withoutFirst = withoutFirst.seal();
    this.withoutLast = withoutLast.seal();
    this.deletes = deletes?.seal() ?? null;
    this.confusablesFolded = confusablesFolded?.seal() ?? null;
  }

  /**
   * Every authority key `key` may have been meant to be, each with its best reason (unranked);
   * edits only up to `bound` (at most the index's `maxDistance`), as a caller that needs no
   * more can say.
   */
  candidates(key: NormalizedKey, bound = this.maxDistance): RawCandidate[] {
    const best = new Map<number, RawCandidate>();
    if (!LETTER_OR_DIGIT.test(key)) return [];
    const offer = (candidate: RawCandidate) => {
      const known = best.get(candidate.position);
      if (!known || candidate.score > known.score) best.set(candidate.position, candidate);
    };
    const out = this.buffer.length >= key.length ? this.buffer : new Uint16Array(key.length);
    FORMS.forEach((form, i) => {
      // A form keeps the key's letters and digits (padding leaves each run's last digit), so
      // it is never empty here; it stays in `out` while its hits are compared.
      const length = writeForm(key, 0, key.length, form.flags, out);
      this.forms[i]!.forEach(hashCodes(out, length), (position) => {
        const candidate = this.keys[position]!;
        if (candidate !== key && sameCodes(this.formOfCandidate, writeForm(candidate, 0, candidate.length, form.flags, this.formOfCandidate), out, length)) {
          offer({ position, kind: form.kind, score: form.score, reason: form.reason });
        }
      });
    });
    this.segmentCandidates(key, out, offer);
    const distance = Math.min(bound, this.maxDistance);
    if (distance > 0 && key.length <= MAX_EDIT_KEY_LENGTH) this.editCandidates(key, distance, out, offer);
    return [...best.values()];
  }

  private segmentCandidates(key: string, out: Uint16Array, offer: (candidate: RawCandidate) => void): void {
    const segment = (position: number, reason: string) => {
      if (this.keys[position] !== key) offer({ position, kind: 'segment', score: MATCH_SCORES.segment, reason });
    };
    const whole = hashCodes(out, writeForm(key, 0, key.length, 0, out));
    this.withoutFirst.forEach(whole, (position) => {
      const bounds = segmentBounds(this.keys[position]!);
      if (bounds && this.keys[position]!.slice(bounds.restStart) === key) segment(position, 'missing prefix segment');
    });
    this.withoutLast.forEach(whole, (position) => {
      const bounds = segmentBounds(this.keys[position]!);
      if (bounds && this.keys[position]!.slice(0, bounds.headEnd) === key) segment(position, 'missing suffix segment');
    });
    const bounds = segmentBounds(key);
    if (!bounds) return;
    const rest = key.slice(bounds.restStart);
    const head = key.slice(0, bounds.headEnd);
    this.exact.forEach(hashCodes(out, writeForm(rest, 0, rest.length, 0, out)), (position) => {
      if (this.keys[position] === rest) segment(position, 'extra prefix segment');
    });
    this.exact.forEach(hashCodes(out, writeForm(head, 0, head.length, 0, out)), (position) => {
      if (this.keys[position] === head) segment(position, 'extra suffix segment');
    });
  }

  private editCandidates(key: string, bound: number, out: Uint16Array, offer: (candidate: RawCandidate) => void): void {
    const pass = ++this.pass;
    const confirm = (position: number) => {
      if (this.seen[position] === pass) return;
      this.seen[position] = pass;
      const candidate = this.keys[position]!;
      if (candidate === key) return;
      const distance = boundedDistance(key, candidate, bound);
      // Edits that change as many characters as the shorter key has leave nothing in common.
      if (distance === Infinity || distance >= Math.min(key.length, candidate.length)) return;
      offer({ position, kind: 'edit', score: EDIT_SCORES[distance * 2]!, reason: EDIT_REASONS[distance * 2]! });
    };
    // Confusables folded find keys misread in several places at once, beyond the deletions' reach.
    this.folded.forEach(hashCodes(out, writeForm(key, 0, key.length, FOLDED, out)), confirm);
    const deletes = this.deletes!;
    const n = writeForm(key, 0, key.length, 0, out);
    // Two removals from the key meet an authority key one shorter (an insertion plus another
    // edit, 1.5 at least) or two shorter (two insertions, 2): most keys have no such neighbours.
    // Below 2, the other edit can only be a confusable substitution: the key with one removal
    // and confusables folded then equals the authority key folded, a dozen lookups instead of
    // two removals' ~n²/2.
    const shorter = (by: number) => n - by >= 0 && this.lengths[n - by]! > 0;
    const twoRemovals = (bound >= 2 && (shorter(1) || shorter(2)));
    if (bound >= 1.5 && bound < 2 && shorter(1)) this.foldedRemovalCandidates(key, n, confirm);
    const count = deletionHashes(out, n, twoRemovals ? MAX_SEARCH_DISTANCE : Math.min(1, Math.ceil(bound)), this.hashes, this.removals);
    // Its own text first, then one removal per run of equal characters, then pairs of removals.
    let singles = Math.min(count, n === 0 ? 1 : 2);
    for (let i = 1; i < n && count > 1; i++) if (out[i] !== out[i - 1]) singles++;
    for (let i = 0; i < count; i++) {
      const hash = this.hashes[i]!;
      const asked = this.removals[i]!;
      for (let entry = deletes.first(hash); entry >= 0; entry = deletes.next(entry, hash)) {
        const found = deletes.tagAt(entry);
        if (i > 0 && found !== WHOLE) {
          // Removals on both sides: the entry says which character the authority key lost
          // where, so the key it stands for is rebuilt from this one and priced without
          // reading it. Most such pairs are a shift between far places, beyond the bound
          // (docs/decisions.md §18); a mere hash collision rebuilds a wrong key, which is
          // dropped or, within the bound, confirmed on the real key.
          const length = i < singles ? rebuild(out, n, asked & POSITION, -1, found, this.neighbour) : rebuild(out, n, asked & POSITION, asked >>> 6, found, this.neighbour);
          if (boundedCodeDistance(out, n, this.neighbour, length, bound) === Infinity) continue;
        }
        confirm(deletes.valueAt(entry));
      }
    }
  }

  /** Confirms the authority keys that equal `key` less one character once confusables are folded on both. */
  private foldedRemovalCandidates(key: string, n: number, confirm: (position: number) => void): void {
    const folded = this.neighbour;
    writeForm(key, 0, key.length, FORM.confusables, folded);
    const count = deletionHashes(folded, n, 1, this.hashes, this.removals);
    for (let i = 1; i < count; i++) this.confusablesFolded!.forEach(this.hashes[i]!, confirm);
  }
}

/** Edit scores and reasons by distance in half units: a run confirms millions of candidates. */
const EDIT_SCORES = Array.from({ length: MAX_SEARCH_DISTANCE * 2 + 1 }, (_, half) => roundScore(MATCH_SCORES.editBase - MATCH_SCORES.editPerUnit * (half / 2)));
const EDIT_REASONS = Array.from({ length: MAX_SEARCH_DISTANCE * 2 + 1 }, (_, half) => `edit distance ${half / 2}`);

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

/** The tag of a text's own hash; a removal's tag packs its place (POSITION bits) and the character or second place above. */
const WHOLE = 0xffff_ffff;
const POSITION = 63;

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

/**
 * Writes into `into` the hash of the text itself, then of every text made by removing one of
 * its characters, then (when `most` is 2) two; returns how many. `removals` gets what each
 * was made by: WHOLE for the text itself, `place | character << 6` for one removal,
 * `place | second place << 6` for two. Polynomial hashes of prefixes let each removal be
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
      removals[count] = j | (k << 6);
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
