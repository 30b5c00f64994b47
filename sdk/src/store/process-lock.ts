/**
 * An inter-process lock beside the database file, the same under both SQLite drivers
 * (SPEC §7): native SQLite locks with fcntl, node-sqlite3-wasm with a `<db>.lock`
 * folder, and neither sees the other's lock. So every database access takes this lock.
 *
 * The lock is a folder holding an owner file, put in place with one rename(2) of a folder
 * prepared beside it — so a lock never exists without its owner, whenever a process is
 * killed. A lock whose owner process is gone (killed, crashed) is taken over at once rather
 * than after a staleness timeout, so a SIGKILLed run never blocks the next one;
 * proper-lockfile, the usual library, only knows timeouts, hence this small module.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
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

  /**
   * Moves the lock aside in one rename, then deletes it. Deleting it in place would empty the
   * folder first, and rename(2) replaces an empty folder: another process could place its lock
   * there and then lose it to our rmdir.
   */
  release(token: string): void {
    if (readOwner(this.lockDir)?.token !== token) return;
    const released = `${this.lockDir}.${process.pid}.${token}.released`;
    try {
      renameSync(this.lockDir, released);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    rmSync(released, { recursive: true, force: true });
  }

  /** The current holder, if any. */
  owner(): LockOwner | undefined {
    return readOwner(this.lockDir);
  }

  private tryAcquire(purpose: string): string | undefined {
    mkdirSync(path.dirname(this.lockDir), { recursive: true });
    const owner: LockOwner = { pid: process.pid, host: hostname(), token: randomUUID(), purpose, since: new Date().toISOString() };
    const prepared = `${this.lockDir}.${process.pid}.${owner.token}.new`;
    mkdirSync(prepared);
    writeFileSync(path.join(prepared, OWNER_FILE), JSON.stringify(owner));
    try {
      if (this.tryPlace(prepared) || (this.removeIfAbandoned() && this.tryPlace(prepared))) return owner.token;
      return undefined;
    } finally {
      rmSync(prepared, { recursive: true, force: true });
    }
  }

  /** Renames the prepared folder into place; fails while another (non-empty) lock is there. */
  private tryPlace(prepared: string): boolean {
    try {
      renameSync(prepared, this.lockDir);
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
      throw error;
    }
  }

  /**
   * Moves an abandoned lock aside with one atomic rename, then checks that what moved is
   * still the abandoned lock: if another process took over in between, its lock goes back.
   */
  private removeIfAbandoned(): boolean {
    const owner = readOwner(this.lockDir);
    // No owner to read: the lock was just released (an empty leftover folder needs nothing:
    // rename(2) replaces an empty folder when the next lock is placed).
    if (!owner || !isAbandoned(owner)) return false;
    this.removeDeadPreparations();
    const aside = `${this.lockDir}.abandoned-${randomUUID()}`;
    try {
      renameSync(this.lockDir, aside);
    } catch {
      return false;
    }
    const moved = readOwner(aside);
    if (moved && moved.token !== owner.token) {
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

  /** Debris of processes killed mid-acquire, mid-release or mid-takeover. */
  private removeDeadPreparations(): void {
    const folder = path.dirname(this.lockDir);
    const prefix = `${path.basename(this.lockDir)}.`;
    for (const name of readdirSync(folder)) {
      if (!name.startsWith(prefix)) continue;
      const rest = name.slice(prefix.length);
      const preparedBy = rest.endsWith('.new') || rest.endsWith('.released') ? Number(/^(\d+)\./.exec(rest)?.[1]) : undefined;
      const setAsideOwner = rest.startsWith('abandoned-') ? readOwner(path.join(folder, name)) : undefined;
      const dead = (preparedBy && !processAlive(preparedBy)) || (setAsideOwner && isAbandoned(setAsideOwner)) || (rest.startsWith('abandoned-') && !setAsideOwner);
      if (dead) rmSync(path.join(folder, name), { recursive: true, force: true });
    }
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
  return owner.host === hostname() && !processAlive(owner.pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}


