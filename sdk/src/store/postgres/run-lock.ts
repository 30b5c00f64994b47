/**
 * One reconciliation at a time per PostgreSQL registry: the RUN advisory lock, held on a
 * connection of its own for the whole run (advisory-locks.ts). If that connection drops, the
 * server releases the lock; the run's own queries fail the run the same way.
 */
import { Kysely, PostgresDialect } from 'kysely';
import type { AcquireOptions } from '../process-lock.js';
import { acquireSessionLock, LOCK_CLASS, releaseSessionLock } from './advisory-locks.js';
import { postgresConnection, type PostgresTarget } from './connection.js';
import { translatePostgresError } from './postgres-errors.js';

export class PostgresRunLock {
  constructor(private readonly target: PostgresTarget) {}

  async with<T>(options: AcquireOptions, work: () => Promise<T>): Promise<T> {
    const connection = postgresConnection(this.target);
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ ...connection.pool, max: 1 });
    pool.on('error', () => undefined);
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    try {
      return await db.connection().execute(async (session) => {
        await acquireSessionLock(session, LOCK_CLASS.run, connection.schema, { ...options, location: connection.location }).catch((error: unknown) => {
          throw translatePostgresError(error, connection.location, connection.user);
        });
        try {
          return await work();
        } finally {
          await releaseSessionLock(session, LOCK_CLASS.run, connection.schema).catch(() => undefined);
        }
      });
    } finally {
      await db.destroy();
    }
  }
}
