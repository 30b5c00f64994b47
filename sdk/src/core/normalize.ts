/**
 * Key normalisation (docs/behaviour.md §3): pure and deterministic. The rule names match the
 * `normalize:` section of keysync-config.yaml so a config section can be passed as is.
 *
 * Two implementations give the same result: a reference built from the steps of docs/behaviour.md §3
 * (Unicode-aware, regex based) and a single pass over char codes for ASCII keys, which
 * is about three times faster and is what almost every key takes. ASCII text is its own
 * compatibility decomposition, so the fast path can skip step 0. The property tests in
 * sdk/test/unit/normalize.test.ts keep the two equal.
 */
import type { NormalizedKey } from './types.js';

/** The `normalize` section of the config: how a raw key becomes a normalised key (docs/behaviour.md §3). */
export interface NormalizeRules {
  readonly trim_whitespace: boolean;
  readonly uppercase: boolean;
  /** The delimiter D that runs of whitespace, `_` and `-` become; `''` turns collapsing off. */
  readonly collapse_delims: string;
  readonly strip_non_alnum: boolean;
  readonly left_pad_numbers: boolean;
  readonly pad_length: number;
}

/** The rules when the config says nothing: trim, upper case, `-` as delimiter, strip other characters, no padding. */
export const DEFAULT_NORMALIZE_RULES: NormalizeRules = Object.freeze({
  trim_whitespace: true,
  uppercase: true,
  collapse_delims: '-',
  strip_non_alnum: true,
  left_pad_numbers: false,
  pad_length: 6,
});

export type Normalizer = (raw: string) => NormalizedKey | '';

/**
 * Bump when the steps below change what a key normalises to, so that stored results made
 * by the old steps (incremental snapshots) are not reused.
 */
export const NORMALIZER_VERSION = 2;

/**
 * Step 0, before every rule: the compatibility decomposition (NFKD) without its combining
 * marks, so one text is one key whatever its Unicode form — precomposed `Ü` and `U` + `◌̈`
 * both give `U`, full-width `ＡＢＣ１` gives `ABC1`, the ligature `ﬀ` gives `ff`.
 */
export function foldUnicodeForms(raw: string): string {
  return raw.normalize('NFKD').replace(COMBINING_MARKS, '');
}

const COMBINING_MARKS = /\p{M}+/gu;

/** A key needs a letter or a digit (any script, after step 0); punctuation alone is never a key. */
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;

/** The rules that differ between two rule sets, as `name: before → after`; empty when equal. */
export function ruleChanges(before: NormalizeRules, after: NormalizeRules): string[] {
  return (Object.keys(DEFAULT_NORMALIZE_RULES) as (keyof NormalizeRules)[])
    .filter((name) => before[name] !== after[name])
    .map((name) => `${name}: ${JSON.stringify(before[name])} → ${JSON.stringify(after[name])}`);
}

/** Normalise one key; `''` means nothing is left (a bad row, never a key). */
export function normalizeKey(raw: string, rules: Partial<NormalizeRules> = {}): NormalizedKey | '' {
  return compileNormalizer({ ...DEFAULT_NORMALIZE_RULES, ...rules })(raw);
}

/** Build a normaliser once per run; the returned function is the hot path. */
export function compileNormalizer(rules: NormalizeRules): Normalizer {
  const reference = referenceNormalizer(rules);
  const fast = asciiNormalizer(rules);
  return (raw) => fast(raw) ?? reference(raw);
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

/** The steps of docs/behaviour.md §3, literally. Handles any Unicode input. */
export function referenceNormalizer(rules: NormalizeRules): Normalizer {
  const delim = rules.collapse_delims;
  const d = escapeRegExp(delim);
  // D itself belongs to the run class, so `A.-.B` with D = `.` gives `A.B` like `A--B` gives `A-B`.
  const delimRun = delim ? new RegExp(`[\\s_\\-${d}]+`, 'gu') : null;
  const notKept = new RegExp(`[^A-Za-z0-9${d}]`, 'gu');
  const repeatedDelim = delim ? new RegExp(`(?:${d}){2,}`, 'g') : null;
  const pad = rules.left_pad_numbers ? digitRunPadder(delim, rules.pad_length) : null;

  return (raw) => {
    let key = foldUnicodeForms(raw);
    if (rules.trim_whitespace) key = key.trim();
    if (rules.uppercase) key = key.toUpperCase();
    if (delimRun) key = key.replace(delimRun, delim);
    if (rules.strip_non_alnum) {
      key = key.replace(notKept, '');
      if (repeatedDelim) key = key.replace(repeatedDelim, delim);
    }
    if (pad) key = pad(key);
    return LETTER_OR_DIGIT.test(key) ? key : '';
  };
}

/** Left-pads every digit run that stands alone between delimiters or the string's ends. */
function digitRunPadder(delim: string, length: number): (key: string) => string {
  const d = escapeRegExp(delim);
  const standalone = delim
    ? new RegExp(`(?<=^|${d})[0-9]+(?=${d}|$)`, 'g')
    : /^[0-9]+$/g;
  return (key) => key.replace(standalone, (digits) => digits.padStart(length, '0'));
}

const isAsciiWhitespace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAsciiAlnum = (c: number): boolean =>
  isDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/**
 * One pass over char codes for keys made only of ASCII; returns `undefined` for any
 * other key so the caller falls back to the reference.
 *
 * The result is a flat string: a slice of the raw text (the text itself, when whole) when normalising
 * changed nothing inside it, else one string made from a code buffer. Building it with
 * `+=` per character would leave a rope that every later hash and compare must flatten.
 */
function asciiNormalizer(rules: NormalizeRules): (raw: string) => string | undefined {
  const delim = rules.collapse_delims;
  const delimCode = delim.length === 1 && delim.charCodeAt(0) < 128 ? delim.charCodeAt(0) : -1;
  if (delim && delimCode < 0) return () => undefined;
  const collapse = delimCode >= 0;
  const { trim_whitespace: trim, uppercase, strip_non_alnum: strip } = rules;
  const pad = rules.left_pad_numbers ? digitRunPadder(delim, rules.pad_length) : null;
  const out = new Uint16Array(MAX_FAST_LENGTH);

  return (raw) => {
    if (raw.length > MAX_FAST_LENGTH) return undefined;
    let start = 0;
    let end = raw.length;
    if (trim) {
      while (start < end && isAsciiWhitespace(raw.charCodeAt(start))) start++;
      while (end > start && isAsciiWhitespace(raw.charCodeAt(end - 1))) end--;
    }
    let length = 0;
    let unchanged = true;
    let pendingDelim = false;
    let hasAlnum = false;
    const emit = (code: number) => {
      if (unchanged && raw.charCodeAt(start + length) !== code) unchanged = false;
      out[length++] = code;
    };
    for (let i = start; i < end; i++) {
      let c = raw.charCodeAt(i);
      if (c >= 128) return undefined;
      if (collapse && (c === delimCode || c === 45 || c === 95 || isAsciiWhitespace(c))) {
        pendingDelim = true;
        continue;
      }
      const alnum = isAsciiAlnum(c);
      // Deleted characters do not end a delimiter run: `A -!- B` is `A-B`.
      if (!alnum && strip) continue;
      if (uppercase && c >= 97 && c <= 122) c -= 32;
      if (pendingDelim) {
        emit(delimCode);
        pendingDelim = false;
      }
      emit(c);
      if (alnum) hasAlnum = true;
    }
    if (!hasAlnum) return '';
    if (pendingDelim) emit(delimCode);
    const key =
      unchanged && length === end - start
        ? raw.slice(start, end)
        : String.fromCharCode.apply(null, out.subarray(0, length) as unknown as number[]);
    return pad ? pad(key) : key;
  };
}

/** Longer keys take the reference path (String.fromCharCode.apply has an argument limit). */
const MAX_FAST_LENGTH = 4096;
