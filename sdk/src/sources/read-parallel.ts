/**
 * Reads CSV sources in worker threads, one source per worker at a time, up to `workers`
 * at once. Each result arrives as a sealed KeyIndex whose arrays were transferred, so the
 * main thread does no per-key work to receive it. Results are identical to reading
 * inline: the workers run the same readSource.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { KeyIndex } from '../core/key-index.js';
import type { NormalizeRules } from '../core/normalize.js';
import { cancelledError, KeySyncError } from '../errors.js';
import type { CorruptDataPolicy, SystemId } from '../core/types.js';
import type { SourceRead } from './read-source.js';
import type { SourceFile } from './source-file.js';
import type { ReadRequest, WorkerReply } from './worker-protocol.js';

export interface ParallelReadOptions {
  readonly rules: NormalizeRules;
  readonly onCorruptData: CorruptDataPolicy;
  /** Systems whose read carries its keys digest (SourceRead.keysDigest). */
  readonly keysDigestFor?: ReadonlySet<SystemId>;
  readonly workers: number;
  readonly signal?: AbortSignal;
  readonly onRows?: (source: SourceFile, rows: number) => void;
  /** Each source's result as it arrives, after its worker was handed its next source. */
  readonly onSourceDone?: (source: SourceFile, settled: Settled) => void;
}

/** One settled read per source, in the order given: a result or the error it raised. */
export type Settled = { readonly ok: true; readonly read: SourceRead } | { readonly ok: false; readonly error: unknown };

export async function readInWorkers(sources: readonly SourceFile[], options: ParallelReadOptions): Promise<Settled[]> {
  const results: Settled[] = new Array(sources.length);
  const pool = Array.from({ length: Math.max(1, Math.min(options.workers, sources.length)) }, startWorker);
  let next = 0;
  const abort = () => pool.forEach((worker) => void worker.terminate());
  options.signal?.addEventListener('abort', abort, { once: true });
  try {
    await Promise.all(
      pool.map(async (worker) => {
        let position = next++;
        let reading = position < sources.length ? readOne(worker, sources[position]!, options) : undefined;
        while (reading) {
          const { settled, workerAlive } = await reading;
          const finished = position;
          results[finished] = settled;
          // The worker gets its next source before the caller sees this result, so what the
          // caller does with it on this thread (writing its snapshot) overlaps the reading.
          // A worker that died takes no more sources (nor one after a cancel); the others, or
          // the error below, cover them.
          reading = undefined;
          if (workerAlive && !options.signal?.aborted && next < sources.length) {
            position = next++;
            reading = readOne(worker, sources[position]!, options);
          }
          options.onSourceDone?.(sources[finished]!, settled);
        }
      }),
    );
  } finally {
    options.signal?.removeEventListener('abort', abort);
    await Promise.all(pool.map((worker) => worker.terminate()));
  }
  if (options.signal?.aborted) throw cancelledError();
  for (let position = 0; position < sources.length; position++) {
    results[position] ??= {
      ok: false,
      error: new KeySyncError('WORKER_FAILED', 'input', 'Every read worker stopped before this source was read.', { file: sources[position]!.file }),
    };
  }
  return results;
}

function readOne(worker: Worker, source: SourceFile, options: ParallelReadOptions): Promise<{ settled: Settled; workerAlive: boolean }> {
  return new Promise((done) => {
    const resolve = (settled: Settled, workerAlive = true) => done({ settled, workerAlive });
    const onMessage = (reply: WorkerReply) => {
      if (reply.type === 'progress') {
        options.onRows?.(source, reply.rows);
        return;
      }
      cleanup();
      if (reply.type === 'done') {
        const { parts, rows, badRows, keysDigest } = reply;
        resolve({ ok: true, read: { index: KeyIndex.fromParts(parts), rows, badRows, ...(keysDigest === undefined ? {} : { keysDigest }) } });
      } else {
        const { code, kind, message, ...details } = reply.error;
        resolve({ ok: false, error: new KeySyncError(code, kind, message, details) });
      }
    };
    const onError = (error: Error) => {
      cleanup();
      resolve({ ok: false, error: new KeySyncError('WORKER_FAILED', 'input', `Reading ${source.file} failed: ${error.message}`, { file: source.file, cause: error }) }, false);
    };
    const onExit = () => {
      cleanup();
      resolve({ ok: false, error: cancelledError() }, false);
    };
    const cleanup = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    const request: ReadRequest = { source, rules: options.rules, onCorruptData: options.onCorruptData, keysDigest: options.keysDigestFor?.has(source.system) === true };
    worker.postMessage(request);
  });
}

declare const KEYSYNC_READ_WORKER: string | undefined;

/**
 * A worker running the script beside this module: `read-worker.js` in a build (the SDK
 * build emits it as its own entry; the extension build too); from TypeScript source (tests),
 * `read-worker-dev.mjs`, which registers tsx first, as workers do not inherit loaders.
 */
function startWorker(): Worker {
  if (typeof KEYSYNC_READ_WORKER === 'string') return new Worker(pathToFileURL(path.join(__dirname, KEYSYNC_READ_WORKER)));
  const here = import.meta.url;
  return new Worker(new URL(here.endsWith('.ts') ? './read-worker-dev.mjs' : './read-worker.js', here));
}
