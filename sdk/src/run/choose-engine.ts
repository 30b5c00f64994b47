/** Which engine a run uses (docs/behaviour.md §11): the configured one, or what `auto` picks and why. */
import type { RunEngine, RunMode } from '../core/types.js';
import { postgresRefusal } from '../sources/postgres-engine/pg-engine.js';
import type { WorkspaceContext } from './workspace-context.js';

/**
 * The engine a run uses: the configured one, or for `auto` postgres when every source is a
 * postgres table or query in one database and the run is full, else node, with the reason
 * (the summary and the log say it). Pure over the config, so every stage that asks agrees.
 * DuckDB is never picked: it needs an optional package and pays only for very big files.
 */
export function chooseEngine(context: Pick<WorkspaceContext, 'config' | 'sources'>, mode: RunMode): { readonly engine: RunEngine; readonly engineReason?: string } {
  const { engine } = context.config.values.processing;
  if (engine !== 'auto') return { engine };
  if (mode === 'incremental') return { engine: 'node', engineReason: "auto: an incremental run uses the node engine's snapshots" };
  const refusal = postgresRefusal(context.sources, context.config.values.authority);
  if (refusal) return { engine: 'node', engineReason: `auto: not every source is in one PostgreSQL database (${refusal.reason})` };
  return { engine: 'postgres', engineReason: 'auto: every source is a postgres table or query in one database' };
}
