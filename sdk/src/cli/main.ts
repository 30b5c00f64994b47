#!/usr/bin/env node
/**
 * The `keysync` executable: parse, run, map every outcome to an exit code (docs/behaviour.md §9).
 * Expected failures print one line naming the file, line and fix; only an unexpected
 * error prints a stack, and only with --verbose.
 */
import { CommanderError } from 'commander';
import { isKeySyncError } from '../errors.js';
import { describeForCli } from './describe-error.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { buildProgram } from './program.js';
import { SDK_VERSION } from '../version.js';
import { enableFullCollections } from '../run/full-collection.js';

/**
 * A reader that stops early (`keysync registry list | head -1`) closes the pipe: the rest of
 * the output has nowhere to go and is dropped quietly, as CLIs do. Only the command's own
 * outcome decides the exit code, so a run that goes on to commit still exits 0. Any other
 * write failure (a full disk behind a redirect) means output was lost: exit 1, said on the
 * other stream if it still works.
 */
function endOutputQuietlyWhenClosed(stream: NodeJS.WriteStream, other: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
    process.exitCode = EXIT.failed;
    if (other.writable) other.write(`keysync: cannot write the output: ${error.message}\n`);
  });
}

async function main(argv: readonly string[]): Promise<void> {
  // A process of its own: a run may return a big stage's memory at once (run/full-collection.ts).
  enableFullCollections();
  const io = { stdout: process.stdout, stderr: process.stderr };
  endOutputQuietlyWhenClosed(io.stdout, io.stderr);
  endOutputQuietlyWhenClosed(io.stderr, io.stdout);
  const program = buildProgram(io, SDK_VERSION);
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    const verbose = argv.includes('-v') || argv.includes('--verbose');
    if (isKeySyncError(error)) {
      io.stderr.write(`keysync: ${describeForCli(error)}\n`);
      if (verbose && error.cause) io.stderr.write(`${String((error.cause as Error).stack ?? error.cause)}\n`);
    } else {
      io.stderr.write(`keysync: unexpected error: ${(error as Error)?.message ?? String(error)}\n`);
      io.stderr.write(verbose ? `${(error as Error)?.stack}\n` : 'Run again with --verbose for details, and report it if it persists.\n');
    }
    process.exitCode = exitCodeFor(error);
  }
}

await main(process.argv);
