/**
 * An inter-process lock beside the database file, the same under both SQLite drivers
 * (SPEC §7): native SQLite locks with fcntl, node-sqlite3-wasm with a `<db>.lock`
 * folder, and neither sees the other's lock. So every database access takes this lock.
 *
 * The lock is a folder created with mkdir (atomic on every local file system) holding an
 * owner file. A lock whose owner process is gone (killed, crashed) is taken over at once
 * rather than after a staleness timeout, so a SIGKILLed run never blocks the next one;
 * proper-lockfile, the usual library, only knows timeouts, hence this small module.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeySyncError } from '../errors.js';

export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  readonly purpose: string;
  readonly since: string;
}

export interface AcquireOptions {
  /** What the holder is doing, shown to whoever waits ("run 2026…", "approve MK-…"). */
  readonly purpose: string;
  /** How long to wait for another holder; 0 = fail at once. */
  readonly timeoutMs: number;
  /** What to tell the user when the lock stays taken; gets the holder's description. */
  readonly busyMessage?: (holder: string) => string;
}

const OWNER_FILE = 'owner.json';
/** A lock folder without an owner file older than this was left by a process killed mid-acquire. */
const ORPHAN_AFTER_MS = 5_000;
const POLL_MS = 25;

export class ProcessLock {
  constructor(readonly lockDir: string) {}

  /** Takes the lock, runs `work`, and releases the lock however `work` ends. */
  async with<T>(options: AcquireOptions, work: () => Promise<T>): Promise<T> {
    const token = await this.acquire(options);
    try {
      return await work();
    } finally {
      this.release(token);
    }
  }

  async acquire(options: AcquireOptions): Promise<string> {
    const deadline = Date.now() + options.timeoutMs;
    for (;;) {
      const token = this.tryAcquire(options.purpose);
      if (token) return token;
      if (Date.now() >= deadline) throw this.busyError(options);
      await sleep(POLL_MS);
    }
  }

  release(token: string): void {
    if (readOwner(this.lockDir)?.token === token) rmSync(this.lockDir, { recursive: true, force: true });
  }

  /** The current holder, if any. */
  owner(): LockOwner | undefined {
    return readOwner(this.lockDir);
  }

  private tryAcquire(purpose: string): string | undefined {
    mkdirSync(path.dirname(this.lockDir), { recursive: true });
    if (!this.tryCreate() && !(this.removeIfAbandoned() && this.tryCreate())) return undefined;
    const owner: LockOwner = { pid: process.pid, host: hostname(), token: randomUUID(), purpose, since: new Date().toISOString() };
    writeFileSync(path.join(this.lockDir, OWNER_FILE), JSON.stringify(owner));
    return owner.token;
  }

  private tryCreate(): boolean {
    try {
      mkdirSync(this.lockDir);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    }
  }

  /**
   * Moves an abandoned lock aside with one atomic rename, then checks that what moved is
   * still the abandoned lock: if another process took over in between, its lock goes back.
   */
  private removeIfAbandoned(): boolean {
    const owner = readOwner(this.lockDir);
    if (owner ? !isAbandoned(owner) : !isOrphan(this.lockDir)) return false;
    const aside = `${this.lockDir}.abandoned-${randomUUID()}`;
    try {
      renameSync(this.lockDir, aside);
    } catch {
      return false;
    }
    const moved = readOwner(aside);
    if (moved && owner && moved.token !== owner.token) {
      try {
        renameSync(aside, this.lockDir);
        return false;
      } catch {
        // The slot was taken again meanwhile; the moved lock's owner will find its lock gone.
      }
    }
    rmSync(aside, { recursive: true, force: true });
    return true;
  }

  private busyError(options: AcquireOptions): KeySyncError {
    const owner = readOwner(this.lockDir);
    const holder = owner ? `${owner.purpose} (process ${owner.pid} on ${owner.host}, since ${owner.since})` : 'another process';
    const message = options.busyMessage?.(holder) ?? `The database is in use by ${holder}.`;
    return new KeySyncError('DATABASE_BUSY', 'database', message, {
      file: this.lockDir,
      remedy:
        options.timeoutMs === 0
          ? 'wait for it to finish, then run again'
          : `waited ${Math.round(options.timeoutMs / 1000)} s; try again when it has finished`,
    });
  }
}

function readOwner(lockDir: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path.join(lockDir, OWNER_FILE), 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function isAbandoned(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function isOrphan(lockDir: string): boolean {
  try {
    return Date.now() - statSync(lockDir).mtimeMs > ORPHAN_AFTER_MS;
  } catch {
    return false;
  }
}
