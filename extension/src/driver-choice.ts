/**
 * Picks the SQLite driver for this editor. better-sqlite3 is built for the system Node's
 * ABI; desktop VS Code runs extensions in Electron, whose ABI differs, so loading it fails
 * there and the WASM driver (same database file, docs/behaviour.md §7) takes over. One log line says
 * which driver is in use.
 */
import { createRequire } from 'node:module';
import type { DriverName } from '@keysync/sdk';
import type { Log } from './log.js';

export type DriverSetting = 'auto' | DriverName;

export async function chooseDriver(setting: DriverSetting, log: Log): Promise<DriverName> {
  if (setting !== 'auto') {
    log.info(`database driver: ${describe(setting)} (set by keysync.databaseDriver)`);
    return setting;
  }
  const failure = nativeLoadFailure();
  if (failure === undefined) {
    log.info(`database driver: ${describe('native')} (Node ${process.versions.node}, ABI ${process.versions.modules})`);
    return 'native';
  }
  log.info(`database driver: ${describe('wasm')}, because native better-sqlite3 does not load here: ${failure}`);
  return 'wasm';
}

/** Why better-sqlite3 cannot open a database in this process, or undefined when it can. */
function nativeLoadFailure(): string | undefined {
  try {
    const Database = createRequire(__filename)('better-sqlite3') as new (file: string) => { close(): void };
    new Database(':memory:').close();
    return undefined;
  } catch (error) {
    return (error as Error).message.split('\n')[0];
  }
}

function describe(driver: DriverName): string {
  return driver === 'native' ? 'native (better-sqlite3)' : 'wasm (node-sqlite3-wasm)';
}
