/**
 * One reconciliation at a time per PostgreSQL registry: the RUN advisory lock, held on a
 * connection of its own for the whole run (advisory-locks.ts). If that connection drops (a
 * server restart, a terminated backend) the server releases the lock, so the run is told to
 * stop: it fails before committing, and `--resume` takes it up again.
 */
import { Kysely, PostgresDialect } from 'kysely';
import { KeySyncError } from '../../errors.js';
import type { AcquireOptions } from '../process-lock.js';
import { acquireSessionLock, LOCK_CLASS, releaseSessionLock } from './advisory-locks.js';
import { postgresConnection, type PostgresTarget } from './connection.js';
import { quietUntilUsed } from './postgres-backend.js';
import { translatePostgresError } from './postgres-errors.js';

export class PostgresRunLock {
  constructor(private readonly target: PostgresTarget) {}

  async with<T>(options: AcquireOptions, work: (lockLost: AbortSignal) => Promise<T>): Promise<T> {
    const connection = postgresConnection(this.target);
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ ...connection.pool, max: 1 });
    quietUntilUsed(pool);
    const lost = new AbortController();
    let held = false;
    pool.on('connect', (client) => {
      const lose = () => {
        if (!held) return;
        lost.abort(new KeySyncError('DATABASE_UNREACHABLE', 'database', 'The connection to the PostgreSQL server was lost during the run (its run lock went with it); nothing of the run was committed.', {
          file: connection.location,
          remedy: 'check the server is up, then continue with --resume',
        }));
      };
      client.on('error', lose);
      client.on('end', lose);
    });
    const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
    try {
      return await db.connection().execute(async (session) => {
        await acquireSessionLock(session, LOCK_CLASS.run, connection.schema, { ...options, location: connection.location }).catch((error: unknown) => {
          throw translatePostgresError(error, connection.location, connection.user);
        });
        held = true;
        try {
          return await work(lost.signal);
        } finally {
          held = false;
          await releaseSessionLock(session, LOCK_CLASS.run, connection.schema).catch(() => undefined);
        }
      });
    } finally {
      await db.destroy();
    }
  }
}
