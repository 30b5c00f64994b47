/**
 * Telling a workspace that its registry changed (`ws.watchRegistry()`, docs/decisions.md §19):
 * what every backend's watcher shares. PostgreSQL is told by the server (postgres/
 * registry-notifications.ts) and polls only when it cannot listen; a SQLite file has no one to
 * tell it, so its version is polled (sqlite/file-version.ts).
 */

/** Stops a registry watch; `ws.close()` stops every watch the workspace still has. */
export interface RegistryWatch {
  /** Stops the watch (its connection or timer); the listener is not called afterwards. Safe to call twice. */
  dispose(): Promise<void>;
}

/** How often a watch that cannot be told compares versions: a teammate's change shows within two seconds. */
export const POLL_INTERVAL_MS = 1000;

/** A version read periodically; `onChange` is called whenever it differs from the one before. */
export interface VersionPoll {
  /** Reads the version now (the first read only sets the baseline) and reports a change. */
  check(): Promise<void>;
  /** Starts checking every interval (no-op when already started, or once closed). */
  start(): void;
  stop(): void;
  /** Stops for good: a `start()` still on its way (after a first check, a failed listen) does nothing. */
  close(): void;
}

/**
 * Polls `read` for a version (anything comparable with `===` after `String()`); `onTick` runs
 * after every timed check, for a caller that retries something meanwhile. A failed read
 * changes nothing: the next one compares with the last version read.
 */
export function versionPoll(read: () => Promise<unknown> | unknown, onChange: () => void, options: { intervalMs?: number; onTick?: () => void } = {}): VersionPoll {
  let last: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let checking: Promise<void> | undefined;
  const check = (): Promise<void> => {
    checking ??= (async () => {
      try {
        const version = String(await read());
        const moved = last !== undefined && version !== last;
        last = version;
        if (moved) onChange();
      } catch {
        // Unreadable now (server down, file being replaced): compared again next time.
      } finally {
        checking = undefined;
      }
    })();
    return checking;
  };
  return {
    check,
    start() {
      if (closed) return;
      timer ??= setInterval(() => void check().then(options.onTick), options.intervalMs ?? POLL_INTERVAL_MS);
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
    close() {
      closed = true;
      this.stop();
    },
  };
}

/**
 * The listener as a watcher calls it: a burst of changes (a run's commit, a teammate's approve
 * all) becomes one call, made outside the watcher's own stack; whatever the listener throws
 * stays with it (`report` hears about it), so a watch never stops because of its listener.
 */
export function coalescedListener(listener: () => void, report: (error: unknown) => void, delayMs = 50): { readonly notify: () => void; cancel(): void } {
  let pending: NodeJS.Timeout | undefined;
  let cancelled = false;
  return {
    notify() {
      if (cancelled) return;
      pending ??= setTimeout(() => {
        pending = undefined;
        try {
          listener();
        } catch (error) {
          report(error);
        }
      }, delayMs);
    },
    /** No call after this one, even for a change already noticed. */
    cancel() {
      cancelled = true;
      clearTimeout(pending);
      pending = undefined;
    },
  };
}
