/**
 * An inter-process lock beside the database file, the same under both SQLite drivers
 * (docs/behaviour.md §7): native SQLite locks with fcntl, node-sqlite3-wasm with a `<db>.lock`
 * folder, and neither sees the other's lock. So every database access takes this lock.
 *
 * The lock is a folder holding an owner file, put in place with one rename(2) of a folder
 * prepared beside it — so a lock never exists without its owner, whenever a process is
 * killed. A lock whose owner process on this host is gone (killed, crashed, or its pid now
 * belongs to a newer process — PID 1 in a restarted container) is taken over at once, so a
 * SIGKILLed run never blocks the next one. A lock held from another host (a shared folder,
 * a container with a new hostname each run) cannot be checked that way: its holder renews a
 * lease by touching the owner file, and a lease not renewed for LEASE_MS is taken over.
 * proper-lockfile, the usual library, only knows timeouts, hence this small module.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeySyncError, throwIfAborted } from '../errors.js';

/** Who holds a KeySync lock: process, host, start time and purpose. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  readonly token: string;
  readonly purpose: string;
  readonly since: string;
  /** When the process started (Linux), so a reused pid is not mistaken for the holder. */
  readonly processStart?: string;
}

/** What `keysync unlock` shows: a lock, its owner, and whether the owner can still hold it. */
export interface LockStatus {
  readonly lockDir: string;
  readonly owner: LockOwner;
  /** `alive`: a process on this host holds it; `lease`: another host's lease runs; `abandoned`: free to take. */
  readonly state: 'alive' | 'lease' | 'abandoned';
  /** The last renewal of the owner's lease. */
  readonly renewedAt: string;
  readonly leaseExpiresAt: string;
}

/** A holder renews its lease this often; another host takes a lease not renewed for LEASE_MS over. */
export const LEASE_RENEW_MS = 20_000;
export const LEASE_MS = 120_000;

export interface AcquireOptions {
  /** What the holder is doing, shown to whoever waits ("run 2026…", "approve MK-…"). */
  readonly purpose: string;
  /** How long to wait for another holder; 0 = fail at once. */
  readonly timeoutMs: number;
  /** What to tell the user when the lock stays taken; gets the holder's description. */
  readonly busyMessage?: (holder: string) => string;
  /** Called once when the lock is found taken and the wait begins, with the holder's description. */
  readonly onWait?: (holder: string) => void;
  /** Stops the wait (the caller was cancelled): the signal's reason is thrown. */
  readonly signal?: AbortSignal;
}

const OWNER_FILE = 'owner.json';
const POLL_MS = 25;

export class ProcessLock {
  private readonly renewals = new Map<string, NodeJS.Timeout>();

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
    for (let tries = 0; ; tries++) {
      throwIfAborted(options.signal);
      const token = this.tryAcquire(options.purpose);
      if (token) {
        this.renewLease(token);
        return token;
      }
      if (Date.now() >= deadline) throw this.busyError(options);
      if (tries === 0) options.onWait?.(this.describeHolder());
      await sleep(POLL_MS);
    }
  }

  /**
   * Moves the lock aside in one rename, then deletes it. Deleting it in place would empty the
   * folder first, and rename(2) replaces an empty folder: another process could place its lock
   * there and then lose it to our rmdir.
   */
  release(token: string): void {
    clearInterval(this.renewals.get(token));
    this.renewals.delete(token);
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

  /** The lock as `keysync unlock` shows it; undefined when nobody holds it. */
  status(): LockStatus | undefined {
    const owner = readOwner(this.lockDir);
    if (!owner) return undefined;
    const renewed = leaseRenewedAt(this.lockDir);
    const state = isAbandoned(owner, renewed) ? 'abandoned' : owner.host === hostname() ? 'alive' : 'lease';
    return { lockDir: this.lockDir, owner, state, renewedAt: new Date(renewed).toISOString(), leaseExpiresAt: new Date(renewed + LEASE_MS).toISOString() };
  }

  /**
   * Removes the lock a person decided to break (`keysync unlock`), if `token` still holds it.
   * The holder, if it is still running somewhere, loses its lock: only for a holder known dead.
   */
  breakLock(token: string): boolean {
    return this.removeHeldBy(token);
  }

  /** Touches the owner file while the lock is held; unref'd, so it never keeps a process alive. */
  private renewLease(token: string): void {
    const ownerFile = path.join(this.lockDir, OWNER_FILE);
    const timer = setInterval(() => {
      try {
        const now = new Date();
        utimesSync(ownerFile, now, now);
      } catch {
        // Lock gone (broken by hand): the holder finds out when it releases.
      }
    }, LEASE_RENEW_MS);
    timer.unref();
    this.renewals.set(token, timer);
  }

  private tryAcquire(purpose: string): string | undefined {
    mkdirSync(path.dirname(this.lockDir), { recursive: true });
    const owner: LockOwner = {
      pid: process.pid,
      host: hostname(),
      token: randomUUID(),
      purpose,
      since: new Date().toISOString(),
      processStart: processStartTime(process.pid),
    };
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

  /** Removes the lock if its holder is gone (see isAbandoned). */
  private removeIfAbandoned(): boolean {
    const owner = readOwner(this.lockDir);
    // No owner to read: the lock was just released (an empty leftover folder needs nothing:
    // rename(2) replaces an empty folder when the next lock is placed).
    if (!owner || !isAbandoned(owner, leaseRenewedAt(this.lockDir))) return false;
    this.removeDeadPreparations();
    return this.removeHeldBy(owner.token);
  }

  /**
   * Moves the lock aside with one atomic rename, then checks that what moved is still the lock
   * `token` held: if another process took the slot in between, its lock goes back (or, if the
   * slot was taken yet again, stays aside — never deleted). True when the lock was removed.
   */
  private removeHeldBy(token: string): boolean {
    if (readOwner(this.lockDir)?.token !== token) return false;
    const aside = `${this.lockDir}.abandoned-${randomUUID()}`;
    try {
      renameSync(this.lockDir, aside);
    } catch {
      return false;
    }
    if (readOwner(aside)?.token !== token) {
      try {
        renameSync(aside, this.lockDir);
      } catch {
        // The slot was taken again meanwhile; the set-aside lock is left for its owner's cleanup.
      }
      return false;
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
      const setAside = path.join(folder, name);
      const setAsideOwner = rest.startsWith('abandoned-') ? readOwner(setAside) : undefined;
      const dead =
        (preparedBy && !processAlive(preparedBy)) ||
        (setAsideOwner && isAbandoned(setAsideOwner, leaseRenewedAt(setAside))) ||
        (rest.startsWith('abandoned-') && !setAsideOwner);
      if (dead) rmSync(path.join(folder, name), { recursive: true, force: true });
    }
  }

  /** The holder as messages name it: purpose, process, host and since when. */
  private describeHolder(status = this.status()): string {
    const owner = status?.owner;
    return owner ? `${owner.purpose} (process ${owner.pid} on ${owner.host}, since ${owner.since})` : 'another process';
  }

  private busyError(options: AcquireOptions): KeySyncError {
    const status = this.status();
    const holder = this.describeHolder(status);
    const message = options.busyMessage?.(holder) ?? `The database is in use by ${holder}.`;
    const wait = waitedRemedy(options.timeoutMs);
    // Another host's holder cannot be checked from here: say when its lease runs out, and how to break it.
    const foreign = status?.state === 'lease' ? `; its lease expires at ${status.leaseExpiresAt} unless renewed — if that process is gone, \`keysync unlock\` removes the lock` : '';
    return new KeySyncError('DATABASE_BUSY', 'database', message, { file: this.lockDir, remedy: `${wait}${foreign}` });
  }
}

/** What a busy error tells the user to do, after waiting `timeoutMs` (both kinds of lock say it alike). */
export function waitedRemedy(timeoutMs: number): string {
  return timeoutMs === 0 ? 'wait for it to finish, then run again' : `waited ${formatSeconds(timeoutMs)}; try again when it has finished`;
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`;
}

function readOwner(lockDir: string): LockOwner | undefined {
  try {
    return JSON.parse(readFileSync(path.join(lockDir, OWNER_FILE), 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/**
 * On this host: the owner process is gone, or its pid now belongs to a process that started
 * later. From another host: its lease was not renewed within LEASE_MS.
 */
function isAbandoned(owner: LockOwner, renewedAtMs: number): boolean {
  if (owner.host !== hostname()) return Date.now() - renewedAtMs > LEASE_MS;
  if (!processAlive(owner.pid)) return true;
  const start = owner.processStart === undefined ? undefined : processStartTime(owner.pid);
  return start !== undefined && start !== owner.processStart;
}

/** The owner file's modification time: when the holder last renewed its lease. */
function leaseRenewedAt(lockDir: string): number {
  try {
    return statSync(path.join(lockDir, OWNER_FILE)).mtimeMs;
  } catch {
    return 0;
  }
}

/** Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); undefined off Linux. */
function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}


