/**
 * How far a run is, for the progress notification: each stage of the run an equal share, and
 * within a stage what it counted — sources read, an engine's compare steps (docs/behaviour.md
 * §11) — so a long stage moves the bar too, whichever engine runs it. Pure: no editor API.
 */
import { RECONCILE_STAGES, type ProgressEvent } from '@keysync/sdk';

/** The run's progress in percent (0–100) at this event. */
export function runPercent(event: Pick<ProgressEvent, 'stage' | 'done' | 'total'>): number {
  const share = 100 / RECONCILE_STAGES.length;
  const within = event.total ? Math.min(1, Math.max(0, (event.done ?? 0) / event.total)) : 0;
  return (RECONCILE_STAGES.indexOf(event.stage) + within) * share;
}

/** The notification's increments: how much to add at each event, never going back. */
export function progressIncrements(): (event: Pick<ProgressEvent, 'stage' | 'done' | 'total'>) => number {
  let reported = 0;
  return (event) => {
    const percent = runPercent(event);
    if (percent <= reported) return 0;
    const increment = percent - reported;
    reported = percent;
    return increment;
  };
}
