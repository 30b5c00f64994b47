/**
 * How every view writes numbers, so a count reads "1,109" in the tree, the status bar, the
 * CodeLens and the toasts alike. Pure: no editor API.
 */

/** A count with thousands separators: 1109 → "1,109". */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** A rate in [0, 1] as a percentage with two decimals: 0.75 → "75.00%". */
export function formatPercent(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}

/** "1 key", "2 keys", "1,109 keys". */
export function countOf(value: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(value)} ${value === 1 ? singular : plural}`;
}
