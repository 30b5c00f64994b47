/**
 * `keysync unlock`: shows who holds the workspace's locks and, after confirmation, removes
 * a lock whose holder is gone. KeySync takes over a dead local holder's lock by itself; this
 * is for a holder it cannot check — a process on another host or in a container that is
 * gone — when waiting for its lease to run out is not an option.
 */
import { createInterface } from 'node:readline/promises';
import type { LockStatus } from '../store/process-lock.js';
import { KeySyncError } from '../errors.js';
import type { CliIo } from './io.js';
import { openCliWorkspace } from './open-workspace.js';

export interface UnlockOptions {
  readonly config: string;
  readonly yes?: boolean;
  readonly json?: boolean;
}

export async function unlockCommand(options: UnlockOptions, io: CliIo): Promise<void> {
  const workspace = await openCliWorkspace(options.config, io);
  try {
    const locks = workspace.locks.list();
    if (locks.length === 0) {
      io.stdout.write(options.json ? '[]\n' : 'No KeySync lock is held on this workspace.\n');
      return;
    }
    const removed: string[] = [];
    for (const lock of locks) {
      io.stderr.write(`${describeLock(lock)}\n`);
      if (lock.state === 'alive') {
        throw new KeySyncError('LOCK_HOLDER_ALIVE', 'state', `Process ${lock.owner.pid} on this host holds the lock and is running.`, {
          file: lock.lockDir,
          remedy: 'let it finish or stop it; a dead local holder’s lock is taken over automatically',
        });
      }
      if (!(await confirmed(options, io))) {
        throw new KeySyncError('UNLOCK_NOT_CONFIRMED', 'usage', 'The lock was left in place.', {
          file: lock.lockDir,
          remedy: 'answer y, or pass --yes where no one can answer (only if you are sure its holder is gone)',
        });
      }
      if (workspace.locks.breakLock(lock)) removed.push(lock.lockDir);
    }
    io.stdout.write(options.json ? `${JSON.stringify(removed, null, 2)}\n` : `Removed ${removed.length} lock${removed.length === 1 ? '' : 's'}.\n`);
  } finally {
    await workspace.close();
  }
}

function describeLock(lock: LockStatus): string {
  const { owner } = lock;
  const state = {
    alive: 'its process is running on this host',
    lease: `held from another host; its lease was last renewed at ${lock.renewedAt} and expires at ${lock.leaseExpiresAt}`,
    abandoned: 'its holder is gone (the next KeySync command takes it over anyway)',
  }[lock.state];
  return `${lock.lockDir}: ${owner.purpose} — process ${owner.pid} on ${owner.host} since ${owner.since}; ${state}`;
}

async function confirmed(options: UnlockOptions, io: CliIo): Promise<boolean> {
  if (options.yes) return true;
  if (!process.stdin.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: io.stderr });
  try {
    const answer = await prompt.question('Remove this lock? Its holder must really be gone. [y/N] ');
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
