/**
 * What the status bar says about the workspace: the last run's match rate, or that the
 * last run failed, or nothing yet — and whether those figures are stale because the
 * config on disk no longer loads. Pure: no editor API.
 */
import type { RunRecord } from '@keysync/sdk';
import { countOf, formatCount, formatPercent } from './format.js';

export interface StatusInput {
  /** The newest completed run. */
  readonly completed: RunRecord | undefined;
  /** The newest run, when it failed after the last completed one. */
  readonly failed: RunRecord | undefined;
  readonly pending: number;
  /** Set while the config on disk does not load: the figures shown are from before. */
  readonly configProblem: string | undefined;
}

export interface StatusContent {
  readonly text: string;
  readonly tooltip: string;
  readonly command: string;
  /** What a screen reader announces: words, not the icons and "·" of the text. */
  readonly accessibilityLabel: string;
}

export function statusContent({ completed, failed, pending, configProblem }: StatusInput): StatusContent {
  const stale = configProblem ? `\n\nStale: the config has errors, so these are the results of the last run before it changed. ${configProblem}` : '';
  const staleMark = configProblem ? '$(warning) ' : '';
  if (configProblem && !completed && !failed) {
    return {
      text: '$(warning) KeySync: config error',
      tooltip: `${configProblem}\n\nClick to open the config.`,
      command: 'keysync.openConfig',
      accessibilityLabel: `KeySync: config error. ${configProblem}`,
    };
  }
  if (failed) {
    return {
      text: `${staleMark}$(error) KeySync: last run failed`,
      tooltip: `KeySync run ${failed.id} (${failed.startedAt}) failed: ${failed.error ?? 'no error recorded'}${stale}\n\nClick for the error.`,
      command: 'keysync.showRunError',
      accessibilityLabel: `KeySync: last run failed${configProblem ? ', results stale' : ''}`,
    };
  }
  if (!completed?.summary) {
    return {
      text: '$(key) KeySync: no run yet',
      tooltip: 'Run a reconciliation: KeySync: Run Reconciliation',
      command: 'keysync.run',
      accessibilityLabel: 'KeySync: no run yet',
    };
  }
  const { overallMatchRate } = completed.summary.totals;
  // A run that compared no downstream system has no rate; 100 % would be a false all-clear.
  const rate = overallMatchRate === null ? 'nothing compared' : formatPercent(overallMatchRate);
  return {
    text: `${staleMark}$(${overallMatchRate === null ? 'warning' : 'key'}) ${rate} · ${formatCount(pending)} pending${configProblem ? ' (stale)' : ''}`,
    tooltip: `KeySync run ${completed.id} (${completed.startedAt}): overall match ${rate}, ${formatCount(pending)} master keys pending review.${stale}\n\nClick for the summary.`,
    command: 'keysync.showRunSummary',
    accessibilityLabel: `KeySync: ${overallMatchRate === null ? 'nothing compared' : `overall match ${rate}`}, ${countOf(pending, 'master key')} pending review${configProblem ? ', stale' : ''}`,
  };
}
