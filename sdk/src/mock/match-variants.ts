/**
 * Ground truth for probable matches (docs/behaviour.md §8, §10), injected with
 * `--inject-failures match-variants`: some downstream copies of common keys are written the
 * way people get them wrong — padding, delimiters, a one-character typo, a confusable
 * character, a dropped prefix — and some genuinely new keys appear. Every such key and the
 * authority key it stands for (none for a new key) go to `match_truth.csv`, so match quality
 * can be measured. Pure given the random source.
 */
import { compileNormalizer, type NormalizeRules } from '../core/normalize.js';
import { familyOf } from './key-families.js';
import type { KeyPlan } from './key-plan.js';
import type { Random } from './random.js';

export const MATCH_TRUTH_NAME = 'match_truth.csv';

export const VARIANT_KINDS = ['padding', 'delimiter', 'typo', 'confusable', 'dropped prefix'] as const;
export type VariantKind = (typeof VARIANT_KINDS)[number];

/** Share of the common keys written as a variant in one downstream system. */
export const MATCH_VARIANT_RATE = 0.03;
/** New keys per downstream system, as a share of the authority's keys. */
export const NEW_KEY_RATE = 0.005;

export interface TruthRow {
  readonly system: string;
  readonly raw: string;
  readonly kind: VariantKind | 'new';
  /** The authority key (normalised) the raw key stands for; '' for a new key. */
  readonly authorityKey: string;
}

export interface MatchVariants {
  /** Per downstream system: common ids it holds only as a variant. */
  readonly replaced: ReadonlyMap<string, ReadonlySet<number>>;
  /** Per downstream system: the raw keys it holds instead (variants and new keys). */
  readonly extraRows: ReadonlyMap<string, readonly string[]>;
  readonly truth: readonly TruthRow[];
}

export function planMatchVariants(
  plan: KeyPlan,
  downstream: readonly string[],
  keyWidth: number,
  rules: NormalizeRules,
  random: Random,
): MatchVariants {
  const normalize = compileNormalizer(rules);
  const format = (id: number) => familyOf(id).format(id, keyWidth);
  const authorityKeys = new Set<string>();
  for (const ids of [plan.common, plan.onlyInAuthority]) for (const id of ids) authorityKeys.add(normalize(format(id)));
  const replaced = new Map(downstream.map((system) => [system, new Set<number>()]));
  const extraRows = new Map(downstream.map((system) => [system, [] as string[]]));
  const truth: TruthRow[] = [];
  const taken = new Set(authorityKeys);
  if (downstream.length === 0) return { replaced, extraRows, truth };

  for (const id of plan.common) {
    if (random.next() >= MATCH_VARIANT_RATE) continue;
    const system = downstream[random.below(downstream.length)]!;
    const kind = VARIANT_KINDS[random.below(VARIANT_KINDS.length)]!;
    const key = format(id);
    // A variant that normalises to a key already there (an authority key, another variant) is no variant: try again.
    for (let attempt = 0; attempt < 5; attempt++) {
      const raw = VARIANT_MAKERS[kind](key, random);
      const normalized = normalize(raw);
      if (!normalized || taken.has(normalized)) continue;
      taken.add(normalized);
      replaced.get(system)!.add(id);
      extraRows.get(system)!.push(raw);
      truth.push({ system, raw, kind, authorityKey: normalize(key) });
      break;
    }
  }
  // New entities get the next numbers, beyond every id the plan used, as sequential ids do.
  const newKeys = Math.max(1, Math.round((plan.common.length + plan.onlyInAuthority.length) * NEW_KEY_RATE));
  let next = plan.universe + 1;
  for (const system of downstream) {
    for (let i = 0; i < newKeys; i++) {
      const raw = format(next++);
      if (taken.has(normalize(raw))) continue;
      taken.add(normalize(raw));
      extraRows.get(system)!.push(raw);
      truth.push({ system, raw, kind: 'new', authorityKey: '' });
    }
  }
  return { replaced, extraRows, truth };
}

/** The truth file: one row per injected key, in the order planned. */
export function matchTruthText(truth: readonly TruthRow[]): string {
  const cell = (text: string) => (/[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  return ['System,Original Key,Kind,True A Key', ...truth.map((row) => [row.system, row.raw, row.kind, row.authorityKey].map(cell).join(','))].join('\n') + '\n';
}

const DIGITS = '0123456789';
/** Characters people swap for each other; each maps to one it is mistaken for. */
const CONFUSED: Readonly<Record<string, string>> = { '0': 'O', O: '0', '1': 'I', I: '1', L: '1', '5': 'S', S: '5', '8': 'B', B: '8', '2': 'Z', Z: '2' };

const VARIANT_MAKERS: Readonly<Record<VariantKind, (key: string, random: Random) => string>> = {
  // One zero more or less in front of the number.
  padding: (key) => key.replace(/(\d+)$/, (digits) => (digits.startsWith('0') ? digits.slice(1) : `0${digits}`)),
  // Delimiters dropped; a family whose delimiter normalisation already strips (`ORD#…`) gets one instead.
  delimiter: (key) => (/[-_ ]/.test(key) ? key.replace(/[-_ ]/g, '') : key.replace(/^([A-Z]+)\W*/, '$1-')),
  // One keystroke wrong in the number: a substitution, an insertion, a deletion or two adjacent digits swapped.
  typo: (key, random) => {
    const digits = [...key.matchAll(/\d/g)].map((match) => match.index);
    const at = digits[random.below(digits.length)]!;
    const other = (current: string, pool: string) => {
      const choices = [...pool].filter((char) => char !== current);
      return choices[random.below(choices.length)]!;
    };
    switch (random.below(4)) {
      case 0:
        return key.slice(0, at) + other(key[at]!, DIGITS) + key.slice(at + 1);
      case 1:
        return key.slice(0, at) + DIGITS[random.below(10)] + key.slice(at);
      case 2:
        return key.slice(0, at) + key.slice(at + 1);
      default: {
        const next = digits.find((position) => position === at + 1 && key[position] !== key[at]);
        return next === undefined ? key.slice(0, at) + other(key[at]!, DIGITS) + key.slice(at + 1) : key.slice(0, at) + key[next] + key[at] + key.slice(next + 1);
      }
    }
  },
  confusable: (key, random) => {
    const positions = [...key].flatMap((char, position) => (CONFUSED[char] ? [position] : []));
    const at = positions[random.below(positions.length)]!;
    return key.slice(0, at) + CONFUSED[key[at]!] + key.slice(at + 1);
  },
  // The leading family code dropped with its delimiter: `0001234` for `CUST-0001234`.
  'dropped prefix': (key) => key.replace(/^[A-Z]+[^A-Za-z0-9]*/, ''),
};
