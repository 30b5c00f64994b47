/**
 * LISTEN/NOTIFY for a PostgreSQL registry (docs/decisions.md §19). Every write transaction
 * notifies the registry's channel just before it commits (postgres-backend.ts); PostgreSQL
 * delivers a notification only when its transaction commits, so nothing rolled back is ever
 * announced. A watch listens on a connection of its own; while it cannot (the server refused,
 * the backend was terminated, the network went), it polls the registry's version every second
 * and tries to listen again every few seconds. Nothing here throws to the watch's owner, and
 * messages name the registry by its location, never with a password.
 */
import { createHash } from 'node:crypto';
import type { LogLevel } from '../../log.js';
import { POLL_INTERVAL_MS, versionPoll, type RegistryWatch } from '../registry-watch.js';
import { postgresConnection, quoteIdentifier, type PostgresTarget } from './connection.js';
import { sqlState } from './postgres-errors.js';

/** PostgreSQL's longest identifier, which a channel name is. */
const MAX_CHANNEL_LENGTH = 63;
/** How many polls between two attempts to listen again. */
const POLLS_PER_RELISTEN = 5;

/**
 * The channel of one registry schema: `keysync_<schema>`, or, when that is longer than a channel
 * may be, its first 46 characters and a hash of the whole schema name (as PostgreSQL shortens names).
 */
export function registryChannel(schema: string): string {
  const channel = `keysync_${schema}`;
  if (channel.length <= MAX_CHANNEL_LENGTH) return channel;
  return `${channel.slice(0, MAX_CHANNEL_LENGTH - 17)}_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
}

/** The statements a write transaction ends with, as one simple query (one round trip, no parameters). */
export function notifyAndCommit(schema: string): string {
  return `select pg_notify('${registryChannel(schema).replace(/'/g, "''")}', ''); commit`;
}

export interface RegistryListenOptions {
  /** Called for every change noticed (the caller coalesces bursts). */
  readonly onChange: () => void;
  /** The registry's version (`ws.registryVersion()`), read through the workspace: what the fallback polls. */
  readonly registryVersion: () => Promise<string>;
  readonly log: (level: LogLevel, message: string) => void;
  readonly pollIntervalMs?: number;
}

/** What a watch needs of pg's Client (spelled here so the SDK's declarations never name pg's types). */
interface ListeningClient {
  on(event: 'notification', listener: (message: { channel: string }) => void): unknown;
  on(event: 'error' | 'end', listener: () => void): unknown;
  connect(): Promise<unknown>;
  query(text: string): Promise<unknown>;
  end(): Promise<void>;
}

export function listenForRegistryChanges(target: PostgresTarget, options: RegistryListenOptions): RegistryWatch {
  const connection = postgresConnection(target);
  const channel = registryChannel(connection.schema);
  let listening: ListeningClient | undefined;
  let connecting: Promise<void> | undefined;
  let stopped = false;
  let warned = false;
  let polls = 0;
  const every = `checking for changes every ${Math.round((options.pollIntervalMs ?? POLL_INTERVAL_MS) / 1000)} s`;
  const poll = versionPoll(options.registryVersion, options.onChange, {
    intervalMs: options.pollIntervalMs ?? POLL_INTERVAL_MS,
    onTick: () => {
      if (++polls % POLLS_PER_RELISTEN === 0) void listen();
    },
  });

  const fallBack = (client: ListeningClient, why: string) => {
    if (listening !== client || stopped) return;
    listening = undefined;
    client.end().catch(() => undefined);
    options.log('warn', `${why} (${connection.location}): ${every} until it can listen again`);
    warned = true;
    poll.start();
  };

  const listen = (): Promise<void> => {
    if (stopped || listening || connecting) return connecting ?? Promise.resolve();
    connecting = (async () => {
      const { default: pg } = await import('pg');
      const client: ListeningClient = new pg.Client({ ...connection.pool, application_name: 'keysync: registry notifications', keepAlive: true });
      client.on('notification', (message) => {
        if (message.channel === channel) options.onChange();
      });
      client.on('error', () => fallBack(client, 'Lost the connection that listens for registry changes'));
      client.on('end', () => fallBack(client, 'Lost the connection that listens for registry changes'));
      try {
        await client.connect();
        await client.query(`LISTEN ${quoteIdentifier(channel)}`);
      } catch (error) {
        client.end().catch(() => undefined);
        // pg's own message could name the host's settings; the code says enough.
        if (!warned) options.log('warn', `Cannot listen for registry changes on ${connection.location} (${sqlState(error) ?? (error as { code?: string }).code ?? 'no connection'}); ${every} instead`);
        warned = true;
        poll.start();
        return;
      }
      if (stopped) {
        await client.end().catch(() => undefined);
        return;
      }
      listening = client;
      // A change committed before LISTEN took effect: one more look, then notifications take over.
      await poll.check();
      poll.stop();
      if (warned) options.log('info', `Listening for registry changes on ${connection.location} again`);
      warned = false;
    })().finally(() => (connecting = undefined));
    return connecting;
  };

  // The baseline the fallback compares with, taken before listening starts.
  void poll.check().then(listen);
  return {
    async dispose() {
      stopped = true;
      poll.close();
      await connecting?.catch(() => undefined);
      const client = listening;
      listening = undefined;
      await client?.end().catch(() => undefined);
    },
  };
}
