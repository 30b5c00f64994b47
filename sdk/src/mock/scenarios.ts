/**
 * Mock-data scenarios (docs/behaviour.md §8): the shares of the key universe that are common to the
 * authority and every other system, only outside the authority, and only in it.
 */
import type { SCENARIO_NAMES } from '../config/schema.js';

/** A mock-data scenario: `normal`, `drift`, `failure` or `recovery`. */
export type Scenario = (typeof SCENARIO_NAMES)[number];

/** A scenario's key universe as shares: common to all systems, only outside A, only in A. */
export interface ScenarioShares {
  readonly common: number;
  readonly outsideAuthority: number;
  readonly onlyInAuthority: number;
}

/** Each scenario's shares; the overall match rate of its data equals the common share. */
export const SCENARIOS: Readonly<Record<Scenario, ScenarioShares>> = {
  normal: { common: 0.8, outsideAuthority: 0.1, onlyInAuthority: 0.1 },
  drift: { common: 0.6, outsideAuthority: 0.2, onlyInAuthority: 0.2 },
  failure: { common: 0.5, outsideAuthority: 0.25, onlyInAuthority: 0.25 },
  recovery: { common: 0.75, outsideAuthority: 0.12, onlyInAuthority: 0.13 },
};

/**
 * Dirty variants, each applied to this share of rows. Every one normalises back to the
 * clean key under the default rules, so they exercise normalisation without moving the
 * match rates.
 */
export const DIRTY_RATES = {
  lowercase: 0.02,
  padding: 0.015,
  /** The family's delimiter swapped for another (`-` for `_`, `$` for `#`, …). */
  delimiterSwapped: 0.015,
  /** The family's delimiter doubled, or `-` spread into spaces. */
  delimiterDoubled: 0.01,
  junkSuffix: 0.01,
  /** An exact repeat of a row elsewhere in the file (counted as a repeated row). */
  repeat: 0.01,
  /** A second row for the same key in another raw form (a duplicate group). */
  variantDuplicate: 0.005,
} as const;

/**
 * Optional failure injection: bad rows, an empty export, mass duplication, and keys written
 * the way people get them wrong with their ground truth (mock/match-variants.ts).
 */
export const FAILURE_INJECTIONS = ['corrupt-rows', 'empty-file', 'mass-duplication', 'match-variants'] as const;

/** A fault mock data can inject (`--inject-failures`). */
export type FailureInjection = (typeof FAILURE_INJECTIONS)[number];

/** Share of rows corrupted by `corrupt-rows`, and of keys duplicated by `mass-duplication`. */
export const CORRUPT_ROW_RATE = 0.005;
export const MASS_DUPLICATION_RATE = 0.2;
