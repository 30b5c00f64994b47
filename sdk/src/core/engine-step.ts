/**
 * Progress in an engine's words (docs/behaviour.md §11): reading sources into it, then the
 * steps of its compare stage. Every engine reports its steps as an EngineStep, worded here,
 * so the CLI's bar and the editor's notification show any engine's work the same way. Pure.
 */
import type { SystemId } from './types.js';

/** What an engine is doing as it compares; `done` of `total` steps. */
export type EngineStep =
  | { readonly step: 'normalise'; readonly system: SystemId; readonly done: number; readonly total: number }
  | { readonly step: 'compare'; readonly authority: SystemId; readonly systems: number; readonly done: number; readonly total: number };

/** The progress message of reading a source: under an engine other than node, the rows go into that engine. */
export function describeSourceRead(system: SystemId, rows: number, engine: string): string {
  const where = engine === 'node' ? system : `${system} into the ${engine} engine`;
  return `reading ${where}: ${rows.toLocaleString('en-US')} rows`;
}

/** The progress message of a compare step, naming the engine that does it. */
export function describeEngineStep(step: EngineStep, engine: string): string {
  return step.step === 'normalise'
    ? `normalising and indexing ${step.system} (${engine} engine)`
    : `comparing ${step.systems === 1 ? '1 system' : `${step.systems} systems`} with ${step.authority} (${engine} engine)`;
}
