/**
 * Worker-thread entry: reads and normalises one source per request and sends back its
 * sealed KeyIndex as parts (KeyIndexParts), transferring every array, texts included,
 * rather than copying keys one by one.
 */
import { parentPort } from 'node:worker_threads';
import { compileNormalizer } from '../core/normalize.js';
import { isKeySyncError } from '../errors.js';
import { readSource } from './read-source.js';
import type { ReadRequest, WorkerReply } from './worker-protocol.js';

const port = parentPort;
if (!port) throw new Error('read-worker runs only as a worker thread');

port.on('message', async (request: ReadRequest) => {
  const reply = (message: WorkerReply, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
  try {
    const read = await readSource(request.source, {
      normalize: compileNormalizer(request.rules),
      onCorruptData: request.onCorruptData,
      keysDigest: request.keysDigest,
      onRows: (rows) => reply({ type: 'progress', rows }),
    });
    const parts = read.index.seal();
    const { hashes, keyCodes, keyEnds, rawPositions, rawCodes, rawEnds, firstLines } = parts;
    reply({ type: 'done', parts, rows: read.rows, badRows: read.badRows, keysDigest: read.keysDigest }, [hashes, keyCodes, keyEnds, rawPositions, rawCodes, rawEnds, firstLines].map((array) => array.buffer as ArrayBuffer));
  } catch (error) {
    reply({
      type: 'error',
      error: isKeySyncError(error)
        ? { code: error.code, kind: error.kind, message: error.message, file: error.file, line: error.line, remedy: error.remedy }
        : { code: 'WORKER_FAILED', kind: 'input', message: String((error as Error)?.stack ?? error) },
    });
  }
});
