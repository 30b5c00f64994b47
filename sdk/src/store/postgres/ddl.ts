/** PostgreSQL's spelling of the DDL that differs between the backends (migrations.ts). */
import type { DdlTypes } from '../migrations.js';

export const postgresDdl: DdlTypes = {
  // BY DEFAULT, not ALWAYS: a run inserts the ids it planned (its reports already show them).
  generatedId: (column) => column.primaryKey().generatedByDefaultAsIdentity(),
  altersConstraints: true,
};
