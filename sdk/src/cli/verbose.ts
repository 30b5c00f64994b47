import type { LogSink } from '../log.js';

/** Log lines on stderr for --verbose, so stdout stays the summary (or JSON). */
export function verboseSink(stream: NodeJS.WriteStream): LogSink {
  return (level, message) => stream.write(`${level.padEnd(5)} ${message}\n`);
}
