/**
 * Normalisation as SQL text (docs/behaviour.md §3, docs/decisions.md §20, §21): pure, a
 * generator of SQL from the config's rules, for each engine's dialect (DuckDB's RE2 functions,
 * PostgreSQL's ARE operators). The engines run it; nothing here connects.
 *
 * Only raw keys made of ASCII are normalised in SQL. For them every step is exact in both
 * dialects: step 0 (NFKD without marks) leaves ASCII as it is, and ASCII upper case, trimming
 * and character classes written out character by character agree with JavaScript. Step 0 and
 * the full Unicode upper case (`ß` → `SS`, where DuckDB's `upper` gives `ẞ` and PostgreSQL's
 * depends on the collation) have no exact SQL equivalent, so the engines hand every distinct
 * non-ASCII raw key to `normalizeKey` and join the result back: those keys are exact by
 * construction, never approximated. The probe cases below let an engine check at start that
 * its server gives what `normalizeKey` gives for every rule the config turns on, and refuse
 * pushdown naming the rule when it does not.
 */
import { MAX_KEY_LENGTH } from './raw-key.js';
import type { NormalizeRules } from './normalize.js';

/** What differs between the engines' SQL: the rule→SQL translation below is written once against this. */
export interface SqlDialect {
  /** As messages name the engine. */
  readonly name: 'DuckDB' | 'PostgreSQL';
  /** True when `column` holds only ASCII (one byte per character in UTF-8). */
  isAscii(column: string): string;
  /** True when the whole of `text` matches `pattern` (a SQL string). */
  fullMatch(text: string, pattern: string): string;
  /** True when `pattern` matches somewhere in `text`. */
  contains(text: string, pattern: string): string;
  /** ASCII upper case, whatever the collation (a Turkish one maps `i` to `İ`). */
  upper(text: string): string;
  /** `pad` applied to each part of `text` split on `delimiter` (a SQL string), joined again. */
  mapParts(text: string, delimiter: string, pad: (part: string) => string): string;
  /** True when `text` holds a NUL; null when the dialect's text cannot hold one (PostgreSQL). */
  hasNul(text: string): string | null;
}

/** DuckDB: RE2 functions, `strlen` in bytes, list lambdas. */
export const DUCKDB_SQL: SqlDialect = {
  name: 'DuckDB',
  isAscii: (column) => `(strlen(${column}) = length(${column}))`,
  fullMatch: (text, pattern) => `regexp_full_match(${text}, ${pattern})`,
  contains: (text, pattern) => `regexp_matches(${text}, ${pattern})`,
  upper: (text) => `upper(${text})`,
  mapParts: (text, delimiter, pad) => `array_to_string(list_transform(string_split(${text}, ${delimiter}), lambda part: ${pad('part')}), ${delimiter})`,
  hasNul: (text) => `strpos(${text}, chr(0)) > 0`,
};

/**
 * PostgreSQL (ARE): `~` anchored for a full match, `octet_length` in bytes (the engine requires
 * a UTF8 database), `translate` for an upper case no collation changes, and an array of the
 * parts for padding. Its text holds no NUL, so there is no NUL test.
 */
export const POSTGRES_SQL: SqlDialect = {
  name: 'PostgreSQL',
  isAscii: (column) => `(octet_length(${column}) = length(${column}))`,
  fullMatch: (text, pattern) => `(${text} ~ ('^(?:' || ${pattern} || ')$'))`,
  contains: (text, pattern) => `(${text} ~ ${pattern})`,
  upper: (text) => `translate(${text}, 'abcdefghijklmnopqrstuvwxyz', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ')`,
  mapParts: (text, delimiter, pad) =>
    `array_to_string(ARRAY(SELECT ${pad('p.part')} FROM unnest(string_to_array(${text}, ${delimiter})) WITH ORDINALITY AS p(part, n) ORDER BY p.n), ${delimiter})`,
  hasNul: () => null,
};

/**
 * A SQL string (standard strings in both dialects: a quote doubles, a backslash is itself). A
 * NUL, which no literal can hold, is joined in as chr(0) (DuckDB; PostgreSQL text has none).
 */
export function sqlString(text: string): string {
  const literal = (part: string) => `'${part.replaceAll("'", "''")}'`;
  return text.includes('\0') ? `(${text.split('\0').map(literal).join(' || chr(0) || ')})` : literal(text);
}

/** ECMAScript's whitespace within ASCII (TAB, LF, VT, FF, CR, space), as an RE2 class body; RE2's `\s` lacks VT. */
const ASCII_SPACE_CLASS = '\\t\\n\\x0B\\f\\r ';

/** One character inside an RE2 character class or as a literal: escaped when it is ASCII punctuation. */
function regexChar(char: string): string {
  return /^[!-/:-@[-`{-~]$/.test(char) ? `\\${char}` : char;
}

/** An RE2 replacement text: a backslash starts a group reference there, so it doubles. */
const replacement = (text: string): string => text.replaceAll('\\', '\\\\');

/**
 * The normalised key of an ASCII raw key in `column`, or NULL when the row policy makes it a
 * bad row (blank, longer than MAX_KEY_LENGTH, a NUL, no letter or digit). Which bad row it is
 * and its message are decided again by the row policy when the row comes back: only the
 * verdict "not a key" needs SQL.
 */
export function asciiNormalizeSql(rules: NormalizeRules, column: string, dialect: SqlDialect): string {
  const delim = rules.collapse_delims;
  const d = delim ? regexChar(delim) : '';
  const literalDelim = sqlString(delim);
  let key = column;
  if (rules.trim_whitespace) key = `regexp_replace(${key}, '^[${ASCII_SPACE_CLASS}]+|[${ASCII_SPACE_CLASS}]+$', '', 'g')`;
  if (rules.uppercase) key = dialect.upper(key);
  if (delim) key = `regexp_replace(${key}, ${sqlString(`[${ASCII_SPACE_CLASS}_\\-${d}]+`)}, ${sqlString(replacement(delim))}, 'g')`;
  if (rules.strip_non_alnum) {
    key = `regexp_replace(${key}, ${sqlString(`[^A-Za-z0-9${d}]+`)}, '', 'g')`;
    if (delim) key = `regexp_replace(${key}, ${sqlString(`${d}{2,}`)}, ${sqlString(replacement(delim))}, 'g')`;
  }
  if (rules.left_pad_numbers) {
    const pad = (part: string) => `CASE WHEN ${dialect.fullMatch(part, "'[0-9]+'")} AND length(${part}) < ${rules.pad_length} THEN lpad(${part}, ${rules.pad_length}, '0') ELSE ${part} END`;
    // Only digit runs standing alone between delimiters: split on D, pad whole parts, join again.
    key = delim ? dialect.mapParts(key, literalDelim, pad) : pad(`(${key})`);
  }
  // For ASCII no step adds or removes a letter or digit (padding only lengthens a digit run),
  // so "no letter or digit left" is decided on the raw key, and the chain is written once.
  const normal = alreadyNormal(rules);
  const nul = dialect.hasNul(column);
  return (
    `CASE WHEN ${dialect.fullMatch(column, `'[${ASCII_SPACE_CLASS}]*'`)} OR length(${column}) > ${MAX_KEY_LENGTH} ` +
    `${nul ? `OR ${nul} ` : ''}OR NOT ${dialect.contains(column, "'[A-Za-z0-9]'")} THEN NULL ` +
    `${normal ? `WHEN ${dialect.fullMatch(column, sqlString(normal))} THEN ${column} ` : ''}ELSE ${key} END`
  );
}

/**
 * A pattern every key of which normalises to itself, so most keys (clean exports) skip the
 * chain of regular expressions: alphanumeric runs (upper case when upper-casing) joined by
 * single delimiters, nothing at the ends. Only when stripping is on and padding off; other
 * rules take the chain for every key.
 */
function alreadyNormal(rules: NormalizeRules): string | undefined {
  if (!rules.strip_non_alnum || rules.left_pad_numbers) return undefined;
  const run = rules.uppercase ? '[A-Z0-9]+' : '[A-Za-z0-9]+';
  return rules.collapse_delims ? `${run}(${regexChar(rules.collapse_delims)}${run})*` : run;
}

/** A raw key that exercises one rule, for the engine's start-up probe. */
export interface NormalizeProbe {
  readonly rule: keyof NormalizeRules | 'bad rows';
  readonly raw: string;
}

/** The rule sets a probe runs, so that a difference names its rule: each rule the config turns on alone (step 0 is always on), then all together. */
export function probeRuleSets(rules: NormalizeRules): { readonly name: string; readonly rules: NormalizeRules }[] {
  const none: NormalizeRules = { trim_whitespace: false, uppercase: false, collapse_delims: '', strip_non_alnum: false, left_pad_numbers: false, pad_length: rules.pad_length };
  const alone: { readonly name: string; readonly rules: NormalizeRules }[] = [];
  if (rules.trim_whitespace) alone.push({ name: 'trim_whitespace', rules: { ...none, trim_whitespace: true } });
  if (rules.uppercase) alone.push({ name: 'uppercase', rules: { ...none, uppercase: true } });
  if (rules.collapse_delims) alone.push({ name: 'collapse_delims', rules: { ...none, collapse_delims: rules.collapse_delims } });
  if (rules.strip_non_alnum) alone.push({ name: 'strip_non_alnum', rules: { ...none, strip_non_alnum: true, collapse_delims: rules.collapse_delims } });
  if (rules.left_pad_numbers) alone.push({ name: 'left_pad_numbers', rules: { ...none, left_pad_numbers: true, collapse_delims: rules.collapse_delims } });
  return [{ name: 'bad rows', rules: none }, ...alone, { name: 'the rules combined', rules }];
}

/**
 * ASCII keys that exercise every rule and its edges: whitespace of every kind at the ends and
 * inside, runs of mixed delimiters, punctuation the strip removes between delimiters, digit
 * runs at every position and longer than pad_length, keys with nothing left.
 */
export const NORMALIZE_PROBES: readonly NormalizeProbe[] = [
  ...['  cust-123  ', '\t\v\f\r\nk1\t\v', ' \u000B x '].map((raw) => ({ rule: 'trim_whitespace' as const, raw })),
  ...['strasse-ascii', 'abcxyz', 'MiXeD-09', 'q'].map((raw) => ({ rule: 'uppercase' as const, raw })),
  ...['A--B__C', 'a  b_c', 'x - _ y', '-lead', 'trail_', 'a.-.b', 'a\t\vb', 'a,,b', 'a//b', 'a\\\\b', "a''b"].map((raw) => ({ rule: 'collapse_delims' as const, raw })),
  ...['ORD#999999', 'x.12.y', 'K-1!@#$%', 'A -!- B', '!a!', 'a!-!-b', '"q"', '[x]^y'].map((raw) => ({ rule: 'strip_non_alnum' as const, raw })),
  ...['txn 2024 001', '1', '1234567', '0', '00-1-a1-1a', '12.34', '-7-', '123456'].map((raw) => ({ rule: 'left_pad_numbers' as const, raw })),
  ...['', '   ', '!#', '-_-', 'x'.repeat(MAX_KEY_LENGTH + 1), 'a\u0000b'].map((raw) => ({ rule: 'bad rows' as const, raw })),
];
