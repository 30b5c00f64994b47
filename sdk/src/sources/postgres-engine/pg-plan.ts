/**
 * The postgres engine's plan for a config (`keysync plan --sql`, docs/behaviour.md §11): its
 * sources opened as a run opens them (refused alike when not all in one database), their SQL
 * from the builders the engine runs. Nothing connects: a table's row locators, which the run
 * looks up in pg_catalog, are shown as a comment in their place.
 */
import { DEFAULT_POSTGRES_STATEMENT_TIMEOUT_S } from '../../config/schema.js';
import type { KeySyncConfig } from '../../config/load.js';
import { openSource } from '../registry.js';
import { postgresSqlPlan, type PlannedSource } from './engine-sql.js';
import { postgresInputs, postgresRefusal } from './pg-engine.js';
import { probeSql } from './pg-normalize.js';
import { probeRuleSets } from '../../core/normalize-sql.js';

function openAll(config: KeySyncConfig, env: Readonly<Record<string, string | undefined>>) {
  return [...config.values.sources].map(([system, source]) => openSource(system, source, { configDir: config.baseDir, env }));
}

/** Why engine auto would not pick postgres for this config (as the run decides it), or undefined when it would. */
export function postgresRefusalOf(config: KeySyncConfig, env: Readonly<Record<string, string | undefined>> = {}): string | undefined {
  return postgresRefusal(openAll(config, env), config.values.authority)?.reason;
}

export function postgresPlan(config: KeySyncConfig, env: Readonly<Record<string, string | undefined>>): string {
  const { values } = config;
  const inputs = postgresInputs(openAll(config, env), values.authority);
  const planned: PlannedSource[] = inputs.map((input, position) => ({
    position,
    system: input.source.system,
    location: input.source.location,
    from: input.relation.from(),
    keyColumn: input.relation.keyColumn,
    locators: [],
    table: input.relation.endpoint.target.table !== undefined,
    plannedLocator: input.relation.endpoint.target.table !== undefined,
  }));
  const authority = planned.findIndex((source) => source.system === values.authority);
  const probes = probeRuleSets(values.normalize).map((ruleSet) => ({ name: ruleSet.name, sql: probeSql(ruleSet.rules) }));
  return postgresSqlPlan(planned, authority, values.normalize, values.processing.statement_timeout_seconds ?? DEFAULT_POSTGRES_STATEMENT_TIMEOUT_S, probes);
}
