/** Plain-text tables and figures for the terminal. */
import { formatCount, formatPercent } from '../core/format.js';
import { SUMMARY_TABLE_COLUMNS, summaryTableRows, whyNothingCompared, type RunSummary } from '../core/summary.js';

export const formatRate = (rate: number | null): string => (rate === null ? '—' : formatPercent(rate));

const CONTROL_CHARACTERS = /[\p{Cc}\u2028\u2029]/gu;
const ESCAPES: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/**
 * A cell with its control characters written as escapes (`\n`, `\x1b`, `\u2028`): text from
 * the registry or a source must not start a line of its own, shift columns or send terminal
 * codes.
 */
export function visibleCell(text: string): string {
  return text.replace(CONTROL_CHARACTERS, (char) => {
    const code = char.charCodeAt(0);
    return ESCAPES[char] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
  });
}

/** Columns padded to their widest cell; numbers right-aligned; control characters escaped. */
export function table(rawHeader: readonly string[], rawRows: readonly (readonly string[])[]): string {
  const header = rawHeader.map(visibleCell);
  const rows = rawRows.map((row) => row.map(visibleCell));
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  const numeric = header.map((_, column) => rows.length > 0 && rows.every((row) => /^[\d,.%—-]*$/.test(row[column] ?? '')));
  const render = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (numeric[column] ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [render(header), ...rows.map(render)].join('\n');
}

export function formatSummary(summary: RunSummary, reportDir: string | null): string {
  const rows = summaryTableRows(summary);
  const { totals, registry } = summary;
  return [
    `KeySync ${summary.dryRun ? 'dry run' : 'run'} ${summary.runId} (${summary.mode}${summary.engine !== undefined && (summary.engine !== 'node' || summary.engineReason) ? `, ${summary.engine} engine${summary.engineReason ? `, ${summary.engineReason}` : ''}` : ''})`,
    '',
    table(SUMMARY_TABLE_COLUMNS, rows.map((row) => [row.system, row.role, ...(row.values ?? ['skipped'])])),
    ...rows.filter((row) => row.values === null).map((row) => `  ${row.system} left out: ${row.skippedReason}`),
    '',
    totals.overallMatchRate === null || totals.keysInAllSystems === null
      ? `Nothing was compared: ${whyNothingCompared(summary)}. There is no match rate.`
      : `Overall match rate ${formatRate(totals.overallMatchRate)}: ${formatCount(totals.keysInAllSystems)} of ${formatCount(totals.uniqueKeys)} unique keys are in every system`,
    `Propagation gaps ${formatCount(totals.propagationGaps)} · out of authority ${formatCount(totals.keysMissingInAuthority)} keys (${formatCount(totals.outOfAuthoritySightings)} sightings, system by system) · duplicate groups ${formatCount(totals.duplicateGroups)} · bad rows ${formatCount(totals.badRows)} · repeated rows ${formatCount(totals.repeatedRows)}`,
    `Probable matches: ${formatCount(totals.keysWithProbableMatch)} out-of-authority keys have a candidate in A · ${formatCount(totals.keysLinked)} linked to A`,
    `Master keys: ${formatCount(registry.proposed)} ${summary.dryRun ? 'would be proposed' : 'proposed'} · ${formatCount(registry.autoApproved)} auto-approved · ${formatCount(registry.resolved)} resolved · ${formatCount(registry.pending)} pending review`,
    ...(summary.warnings ?? []).map((warning) => `Warning: ${warning}`),
    ...(reportDir ? [`Reports: ${reportDir}`] : []),
  ].join('\n');
}
