/**
 * A SQLite file opened read-only for a source, through whichever library the workspace uses
 * (SourceContext.sqliteDriver): better-sqlite3, or node-sqlite3-wasm inside an editor that
 * cannot load native modules. sources/ does not use the store's drivers (docs/architecture.md
 * §4: edges never import each other); this is the little a source needs: rows one at a
 * time, and a few rows at once. Each library is imported on first use only.
 */
export type Row = Readonly<Record<string, unknown>>;

export interface ReadonlySqlite {
  /** Streams the rows: the statement steps as the loop pulls, never holding the result. */
  iterate(sql: string, parameters?: readonly unknown[]): IterableIterator<Row>;
  all(sql: string, parameters?: readonly unknown[]): Row[];
  close(): void;
}

export async function openReadonlySqlite(file: string, driver: 'native' | 'wasm'): Promise<ReadonlySqlite> {
  return driver === 'wasm' ? openWasm(file) : openNative(file);
}

async function openNative(file: string): Promise<ReadonlySqlite> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file, { readonly: true, fileMustExist: true });
  return {
    iterate: (sql, parameters = []) => db.prepare(sql).iterate(...parameters) as IterableIterator<Row>,
    all: (sql, parameters = []) => db.prepare(sql).all(...parameters) as Row[],
    close: () => db.close(),
  };
}

async function openWasm(file: string): Promise<ReadonlySqlite> {
  const { Database } = (await import('node-sqlite3-wasm')).default;
  const db = new Database(file, { readOnly: true, fileMustExist: true });
  type Bind = Parameters<typeof db.all>[1];
  return {
    // WASM memory is not garbage-collected: the statement is finalized when the loop ends, however it ends.
    *iterate(sql, parameters = []) {
      const statement = db.prepare(sql);
      try {
        yield* statement.iterate(parameters as Bind) as IterableIterator<Row>;
      } finally {
        statement.finalize();
      }
    },
    all: (sql, parameters = []) => db.all(sql, parameters as Bind) as Row[],
    close: () => db.close(),
  };
}
