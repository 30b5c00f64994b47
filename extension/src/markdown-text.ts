/**
 * The Markdown texts of the read-only views: a run's summary, a failed run's error and a
 * master key's audit history. Pure: no editor API. Every value taken from data goes through
 * `escapeMarkdown`, so a system name or an error message cannot inject HTML or break a table.
 */
import { SUMMARY_TABLE_COLUMNS, summaryTableRows, whyNothingCompared, type AuditEvent, type MasterKeyRecord, type RunRecord, type RunSummary } from '@keysync/sdk';
import { escapeXml } from './escape.js';
import { formatCount, formatPercent } from './format.js';
import { incrementalChanges, runKind, signedCount, systemChanges } from './run-text.js';

/** A value placed in Markdown text: HTML and Markdown table/emphasis characters are escaped. */
export function escapeMarkdown(text: string): string {
  return escapeXml(text).replace(/([|*_`\\[\]])/g, '\\$1');
}

/** The run summary; `previous` (the completed run before it) adds what changed since. */
export function summaryMarkdown(summary: RunSummary, previous?: RunSummary): string {
  const { totals, registry } = summary;
  const esc = escapeMarkdown;
  const incremental = summary.mode === 'incremental';
  const changes = new Map(systemChanges(summary, previous).map((change) => [change.system, change]));
  const changeCells = (system: string) => {
    const change = changes.get(system);
    const source = incremental ? ` ${change?.fromSnapshot ? 'from snapshot' : 're-read'} |` : '';
    const delta = previous ? ` ${change?.keysDelta == null ? 'new' : signedCount(change.keysDelta)} |` : '';
    return `${source}${delta}`;
  };
  const extraHeads = `${incremental ? ' Source |' : ''}${previous ? ' Keys vs previous |' : ''}`;
  const extraRule = `${incremental ? ' --- |' : ''}${previous ? ' ---: |' : ''}`;
  const extraEmpty = `${incremental ? ' |' : ''}${previous ? ' |' : ''}`;
  return [
    `# KeySync ${runKind(summary).toLowerCase()} ${esc(summary.runId)}`,
    '',
    `${runKind(summary)} started ${esc(summary.startedAt)}; authority **${esc(summary.authority)}**.${summary.dryRun ? ' A preview: nothing was saved.' : ''}`,
    ...(incremental ? ['', `Since the previous run: ${esc(incrementalChanges(summary, previous))}.`] : []),
    '',
    `| ${SUMMARY_TABLE_COLUMNS.join(' | ')} |${extraHeads}`,
    `| --- | --- |${' ---: |'.repeat(SUMMARY_TABLE_COLUMNS.length - 2)}${extraRule}`,
    ...summaryTableRows(summary).map((row) =>
      row.values
        ? `| ${esc(row.system)} | ${row.role} | ${row.values.join(' | ')} |${changeCells(row.system)}`
        : `| ${esc(row.system)} | ${row.role} | left out: ${esc(row.skippedReason ?? '')} |${' |'.repeat(SUMMARY_TABLE_COLUMNS.length - 3)}${extraEmpty}`,
    ),
    '',
    totals.overallMatchRate === null || totals.keysInAllSystems === null
      ? `- **Nothing was compared**: ${esc(whyNothingCompared(summary))}; there is no match rate`
      : `- Overall match rate **${formatPercent(totals.overallMatchRate)}**: ${formatCount(totals.keysInAllSystems)} of ${formatCount(totals.uniqueKeys)} unique keys are in every system`,
    `- Propagation gaps ${formatCount(totals.propagationGaps)}; out of authority ${formatCount(totals.keysMissingInAuthority)} keys (${formatCount(totals.outOfAuthoritySightings)} sightings, system by system)`,
    `- Duplicate groups ${formatCount(totals.duplicateGroups)}; bad rows ${formatCount(totals.badRows)}; repeated rows ${formatCount(totals.repeatedRows)}`,
    `- Probable matches: ${formatCount(totals.keysWithProbableMatch)} out-of-authority keys have a candidate in A; ${formatCount(totals.keysLinked)} linked to A`,
    `- Master keys: ${formatCount(registry.proposed)} proposed, ${formatCount(registry.autoApproved)} auto-approved, ${formatCount(registry.resolved)} resolved, **${formatCount(registry.pending)} pending review**`,
    '',
  ].join('\n');
}

/** A failed run's error. */
export function runErrorMarkdown(run: RunRecord): string {
  return [
    `# KeySync run ${escapeMarkdown(run.id)} failed`,
    '',
    `${run.mode} run started ${escapeMarkdown(run.startedAt)}${run.finishedAt ? `, stopped ${escapeMarkdown(run.finishedAt)}` : ''}; config \`${run.configFile ?? 'defaults'}\`.`,
    '',
    '```text',
    (run.error ?? 'No error was recorded.').replaceAll('```', "'''"),
    '```',
    '',
    'Nothing from this run was committed: the registry and the last completed run are unchanged. "KeySync: Show Log" has the details.',
    '',
  ].join('\n');
}

/** A master key's registry entry and its audit events, oldest first. */
export function auditMarkdown(record: MasterKeyRecord, events: readonly AuditEvent[]): string {
  const esc = escapeMarkdown;
  return [
    `# ${esc(record.masterKey)}`,
    '',
    `**${record.status}** · key \`${record.normalizedKey}\` from ${esc(record.sourceSystem)} (\`${record.sourceKey}\`) · ${record.strategy}`,
    '',
    `| When (UTC) | Event | Action | Result | By | Run | Details |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...events.map(
      (event) =>
        `| ${esc(event.timestamp.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))} | ${esc(event.eventType)} | ${esc(event.action)} | ${esc(event.result)} | ${esc(event.actor)} | ${esc(event.runId ?? '')} | ${esc(event.details)} |`,
    ),
    ...(events.length ? [] : ['', 'No audit events recorded for this key.']),
    '',
  ].join('\n');
}
