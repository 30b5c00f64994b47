/** The CSV lines of one mock system: clean keys, dirty variants, repeats and injected faults. */
import { familyOf, type KeyFamily } from './key-families.js';
import type { Random } from './random.js';
import { CORRUPT_ROW_RATE, DIRTY_RATES, MASS_DUPLICATION_RATE } from './scenarios.js';

export interface RowOptions {
  /** Digits in a key's number: the same for every system, so one id is one key everywhere. */
  readonly keyWidth: number;
  readonly corrupt: boolean;
  readonly massDuplication: boolean;
  /** Raw keys written as they are, once each (injected match variants and new keys). */
  readonly extra?: readonly string[];
}

const LAST_SEEN_BASE = Date.UTC(2026, 10, 1);
const DAY_MS = 86_400_000;
const LAST_SEEN_DATES = Array.from({ length: 365 }, (_, day) => new Date(LAST_SEEN_BASE - day * DAY_MS).toISOString().slice(0, 10));

type Variant = (key: string, family: KeyFamily) => string;

/** Each dirty form with the share of rows written in it. */
export const VARIANTS: readonly (readonly [number, Variant])[] = [
  [DIRTY_RATES.lowercase, (key) => key.toLowerCase()],
  [DIRTY_RATES.padding, (key) => `  ${key} `],
  [DIRTY_RATES.delimiterSwapped, (key, family) => family.swapDelimiter(key)],
  [DIRTY_RATES.delimiterDoubled, (key, family) => family.doubleDelimiter(key)],
  [DIRTY_RATES.junkSuffix, (key) => `${key}!@#$%`],
];

/** Maybe-dirty raw form of a key, by the documented rates. */
function rawForm(key: string, family: KeyFamily, random: Random): string {
  let roll = random.next();
  for (const [rate, variant] of VARIANTS) {
    if (roll < rate) return variant(key, family);
    roll -= rate;
  }
  return key;
}

/** A raw form guaranteed to differ from `raw`: the second spelling of a duplicate. */
function otherForm(key: string, family: KeyFamily, raw: string, random: Random): string {
  const [, variant] = VARIANTS[random.below(VARIANTS.length)]!;
  const candidate = variant(key, family);
  // Every variant differs from the clean key, so the clean key differs from any variant.
  return candidate === raw ? key : candidate;
}

export function systemRows(system: string, ids: Uint32Array, random: Random, options: RowOptions): string[] {
  const lines: string[] = [];
  const line = (raw: string) =>
    `${raw},${LAST_SEEN_DATES[random.below(LAST_SEEN_DATES.length)]},${system},${random.next() < 0.9 ? 'active' : 'inactive'}`;
  const duplicateRate = options.massDuplication ? MASS_DUPLICATION_RATE : DIRTY_RATES.variantDuplicate;
  for (const id of ids) {
    const family = familyOf(id);
    const key = family.format(id, options.keyWidth);
    const raw = rawForm(key, family, random);
    lines.push(line(raw));
    if (random.next() < DIRTY_RATES.repeat) lines.push(line(raw));
    if (random.next() < duplicateRate) lines.push(line(otherForm(key, family, raw, random)));
    if (options.corrupt && random.next() < CORRUPT_ROW_RATE) lines.push(corruptLine(key, system, random));
  }
  for (const raw of options.extra ?? []) lines.push(line(raw));
  random.shuffle(lines);
  return lines;
}

/** Bad rows of the kinds docs/behaviour.md §2 counts: a blank key, a ragged row, a key with nothing left. */
function corruptLine(key: string, system: string, random: Random): string {
  switch (random.below(3)) {
    case 0:
      return `,2026-01-01,${system},active`;
    case 1:
      return `${key},2026-01-01,${system},active,unexpected extra field`;
    default:
      return `!!!,2026-01-01,${system},active`;
  }
}
