/**
 * `keysync.codeLens.mode`: which report rows get their own lens. `perRow` puts Approve ·
 * Reject on every pending row; `compact` (the default) only on the rows under a cursor or
 * selection, so a long report keeps its height and a lens can only sit on the row it acts
 * on. The header's "Approve all N pending" is there in both. Pure: no editor API.
 */
export type LensMode = 'perRow' | 'compact';

/** A selection as 0-based first and last line. */
export interface LineSpan {
  readonly start: number;
  readonly end: number;
}

/** Whether the row on `line` gets its own lens. */
export function rowHasLens(mode: LensMode, line: number, selections: readonly LineSpan[]): boolean {
  return mode === 'perRow' || selections.some((span) => line >= span.start && line <= span.end);
}
