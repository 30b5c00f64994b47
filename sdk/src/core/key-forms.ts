/**
 * The forms of a key that probable matching compares (docs/behaviour.md §10): the key without
 * padding zeros, without delimiters, with confusable characters folded, and without its first
 * or last segment. Pure; each form is written into a code buffer so an index over a million
 * keys hashes forms without building a string per form.
 */

/** Which rewrites a canonical form applies, as bit flags. */
export const FORM = {
  /** Leading zeros of every digit run removed (a run of zeros keeps one). */
  padding: 1,
  /** Every character that is not a letter or digit removed. */
  delimiters: 2,
  /** Confusable characters folded onto one: O→0, I/L→1, S→5, B→8, Z→2. */
  confusables: 4,
} as const;

/** Keys longer than this are matched only by their canonical forms, never by edit distance: cost stays bounded. */
export const MAX_EDIT_KEY_LENGTH = 64;

/** Confusable characters (either case) → the digit they are folded onto; 0 for any other code. */
const CONFUSABLE = new Uint16Array(128);
for (const [letters, digit] of [['Oo', '0'], ['IiLl', '1'], ['Ss', '5'], ['Bb', '8'], ['Zz', '2']] as const) {
  for (const letter of letters) CONFUSABLE[letter.charCodeAt(0)] = digit.charCodeAt(0);
}

/** The confusable class of a code (its folded digit), or the code itself. */
export function confusableClass(code: number): number {
  return code < 128 && CONFUSABLE[code] ? CONFUSABLE[code]! : code;
}

const isDigit = (code: number): boolean => code >= 48 && code <= 57;
const isAsciiLetter = (code: number): boolean => (code >= 65 && code <= 90) || (code >= 97 && code <= 122);

/** ASCII punctuation and spaces separate segments; any other character (letters and digits of any script) belongs to one. */
export function isDelimiter(code: number): boolean {
  return code < 128 && !isDigit(code) && !isAsciiLetter(code);
}

/**
 * Writes the form of `key[start, end)` selected by `flags` into `out`; returns its length.
 * `out` must hold at least `end - start` codes.
 */
export function writeForm(key: string, start: number, end: number, flags: number, out: Uint16Array): number {
  const fold = (flags & FORM.confusables) !== 0;
  const dropDelimiters = (flags & FORM.delimiters) !== 0;
  const dropPadding = (flags & FORM.padding) !== 0;
  let length = 0;
  let previousDigit = false;
  for (let i = start; i < end; i++) {
    let code = key.charCodeAt(i);
    if (fold) code = confusableClass(code);
    const digit = isDigit(code);
    if (dropPadding && code === 48 && !previousDigit && i + 1 < end) {
      // A leading zero of a digit run goes when another digit follows it.
      const next = fold ? confusableClass(key.charCodeAt(i + 1)) : key.charCodeAt(i + 1);
      if (isDigit(next)) continue;
    }
    previousDigit = digit;
    if (dropDelimiters && isDelimiter(code)) continue;
    out[length++] = code;
  }
  return length;
}

/** FNV-1a over the first `length` codes of a buffer (the hash core/key-index.ts uses for keys). */
export function hashCodes(codes: Uint16Array, length: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < length; i++) hash = Math.imul(hash ^ codes[i]!, 0x01000193);
  return hash >>> 0;
}

export function codesToString(codes: Uint16Array, length: number): string {
  let text = '';
  for (let i = 0; i < length; i += 1024) text += String.fromCharCode.apply(null, codes.subarray(i, Math.min(length, i + 1024)) as unknown as number[]);
  return text;
}

/** A key's form as a string, to read (matching itself compares forms as codes). */
export function formOf(key: string, flags: number): string {
  const out = new Uint16Array(key.length);
  return codesToString(out, writeForm(key, 0, key.length, flags, out));
}

/**
 * Where a key's first and last segments end and start. Segments are separated by delimiters
 * and by a change between letters and digits, so `CUST-000123`, `ORD0999999` and
 * `PROD-ABC-0000789` each have a prefix segment (`CUST`, `ORD`, `PROD`). Null for a key of one
 * segment. `restStart` is where the key without its first segment starts; `headEnd` where the
 * key without its last segment ends (delimiters between them dropped).
 */
export function segmentBounds(key: string, start = 0, end = key.length): { readonly restStart: number; readonly headEnd: number } | null {
  const kind = (code: number): number => (isDelimiter(code) ? 0 : isDigit(code) ? 1 : 2);
  let firstEnd = start;
  const firstKind = kind(key.charCodeAt(start));
  if (firstKind === 0) return null;
  while (firstEnd < end && kind(key.charCodeAt(firstEnd)) === firstKind) firstEnd++;
  let restStart = firstEnd;
  while (restStart < end && kind(key.charCodeAt(restStart)) === 0) restStart++;
  if (restStart >= end) return null;
  const lastKind = kind(key.charCodeAt(end - 1));
  if (lastKind === 0) return null;
  let lastStart = end;
  while (lastStart > start && kind(key.charCodeAt(lastStart - 1)) === lastKind) lastStart--;
  let headEnd = lastStart;
  while (headEnd > start && kind(key.charCodeAt(headEnd - 1)) === 0) headEnd--;
  if (headEnd <= start) return null;
  return { restStart, headEnd };
}
