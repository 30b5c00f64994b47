/**
 * How every view writes numbers, so a count reads "1,109" in the tree, the status bar, the
 * CodeLens and the toasts alike — and as the CLI and the reports write it: the SDK owns the
 * formats, this adds the editor's phrasing. Pure: no editor API.
 */
import { formatCount } from '@keysync/sdk';

export { formatCount, formatPercent } from '@keysync/sdk';

/** "1 key", "2 keys", "1,109 keys". */
export function countOf(value: number, singular: string, plural = `${singular}s`): string {
  return `${formatCount(value)} ${value === 1 ? singular : plural}`;
}
