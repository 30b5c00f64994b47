/**
 * How figures read wherever KeySync shows them — terminal, reports, log, editor — so a rate
 * or a count never looks different in two places.
 */
const grouped = new Intl.NumberFormat('en-US');

/** `1109` → `1,109`. */
export const formatCount = (value: number): string => grouped.format(value);

/** A rate in [0, 1] with two decimals: `0.8889` → `88.89%`. */
export const formatPercent = (rate: number): string => `${(rate * 100).toFixed(2)}%`;
