/**
 * "Fixtures on every type" (docs/behaviour.md §2): the CLI fixture sets run again with every
 * system moved from its CSV into a SQLite table and into a Parquet file, row for row in file
 * order. The reports must equal the CSV run's apart from where rows are (helpers/fixture-moves.ts);
 * database-sources-cli.test.ts does the same with PostgreSQL and MariaDB tables.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { assertSameReports, fixtureSystems, replaceSources, reportsOf } from '../helpers/fixture-moves.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

/** Moves every system of the workspace's config into `type`, rewriting the config. */
function moveInto(workspace: TempWorkspace, type: 'sqlite' | 'parquet'): void {
  const sources: Record<string, object> = {};
  const dbFile = workspace.file('input', 'systems.db');
  for (const { system, keyColumn, keys } of fixtureSystems(workspace)) {
    if (type === 'sqlite') {
      // A missing CSV stays missing: its system points at a database file that does not exist.
      const file = keys ? dbFile : workspace.file('input', `${system}.db`);
      if (keys) {
        const db = new Database(dbFile);
        db.exec(`CREATE TABLE "${system}" ("${keyColumn}" TEXT)`);
        const insert = db.prepare(`INSERT INTO "${system}" VALUES (?)`);
        for (const key of keys) insert.run(key);
        db.close();
      }
      sources[system] = { type: 'sqlite', path: path.relative(workspace.dir, file), table: system, key_column: keyColumn };
    } else {
      const file = workspace.file('input', `${system}.parquet`);
      if (keys) writeFileSync(file, Buffer.from(parquetWriteBuffer({ columnData: [{ name: keyColumn, data: keys, type: 'STRING', nullable: true }] })));
      sources[system] = { type: 'parquet', path: path.relative(workspace.dir, file), key_column: keyColumn };
    }
  }
  replaceSources(workspace, sources);
}

describe('the CLI fixture sets with every system in each file source type', function () {
  this.timeout(120_000);
  const workspaces: TempWorkspace[] = [];
  after(() => workspaces.forEach((workspace) => workspace.remove()));
  const fresh = (fixture: string) => {
    const workspace = tempWorkspace(fixture);
    workspaces.push(workspace);
    return workspace;
  };

  for (const fixture of ['clean', 'missing-source', 'dirty']) {
    for (const type of ['sqlite', 'parquet'] as const) {
      it(`${fixture} in ${type}: the same reports as from CSV, apart from locators`, async () => {
        const expected = await reportsOf(fresh(fixture));
        const moved = fresh(fixture);
        moveInto(moved, type);
        assertSameReports(fixture, type, await reportsOf(moved), expected);
      });
    }
  }
});
