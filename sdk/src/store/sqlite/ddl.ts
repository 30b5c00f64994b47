/** SQLite's spelling of the DDL that differs between the backends (migrations.ts). */
import type { DdlTypes } from '../migrations.js';

export const sqliteDdl: DdlTypes = {
  // AUTOINCREMENT never reuses an id, even one whose row was deleted.
  generatedId: (column) => column.primaryKey().autoIncrement(),
  altersConstraints: false,
};
