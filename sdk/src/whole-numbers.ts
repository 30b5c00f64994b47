/**
 * The whole numbers callers pass in (limits, offsets, ids, mock-data sizes and seeds) and the
 * range each may take, checked where they enter: the CLI's options and the SDK's methods.
 * Unchecked, NaN, a negative or a number past 2^53 reached SQLite as a float and came back as
 * "datatype mismatch".
 */
import { KeySyncError } from './errors.js';

export interface WholeNumberRange {
  readonly min: number;
  readonly max: number;
}

export const WHOLE_NUMBERS = {
  /** How many rows a list returns; the exact integers SQLite and JavaScript share. */
  limit: { min: 0, max: Number.MAX_SAFE_INTEGER },
  offset: { min: 0, max: Number.MAX_SAFE_INTEGER },
  /** An audit id to list from or to. */
  auditId: { min: 0, max: Number.MAX_SAFE_INTEGER },
  /** Keys in the mock authority: more would not fit in memory as one data set. */
  mockKeys: { min: 1, max: 50_000_000 },
  /** The random generator takes 32 bits of seed: larger seeds would repeat smaller ones' data. */
  seed: { min: 0, max: 0xffff_ffff },
} as const satisfies Record<string, WholeNumberRange>;

export function isWholeNumberIn(value: unknown, range: WholeNumberRange): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= range.min && value <= range.max;
}

/** The rule in words: "a whole number from 1 to 50,000,000". */
export function wholeNumberRule(range: WholeNumberRange): string {
  return `a whole number from ${range.min.toLocaleString('en-US')} to ${range.max.toLocaleString('en-US')}`;
}

/** The SDK's check: a usage error naming the argument. */
export function requireWholeNumber(name: string, value: unknown, range: WholeNumberRange): void {
  if (isWholeNumberIn(value, range)) return;
  throw new KeySyncError('INVALID_NUMBER', 'usage', `${name} must be ${wholeNumberRule(range)}, got ${describe(value)}.`, {
    remedy: `pass ${name} as a whole number in that range`,
  });
}

/** Checks the given fields of an options object that are set; unset ones keep their defaults. */
export function requireWholeNumbers<T extends object>(what: string, options: T | undefined, ranges: { readonly [K in keyof T]?: WholeNumberRange }): void {
  if (!options) return;
  for (const [field, range] of Object.entries(ranges) as [keyof T & string, WholeNumberRange][]) {
    if (options[field] !== undefined) requireWholeNumber(`${what} ${field}`, options[field], range);
  }
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
