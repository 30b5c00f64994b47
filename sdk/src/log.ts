/**
 * A small leveled logger. The workspace writes to `logging.file` and forwards every line
 * to an optional sink (the CLI's --verbose output, the extension's LogOutputChannel).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

/** A log line's level; `logging.level` sets the lowest one written. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string): void;
}

/** Receives each log line (`openWorkspace({ onLog })`); a sink that throws gets no more lines. */
export type LogSink = (level: LogLevel, message: string) => void;

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(options: { file: string | null; level: LogLevel; sink?: LogSink }): Logger {
  let fileUsable = options.file !== null;
  let sink = options.sink;
  const toFile = (level: LogLevel, message: string) => {
    if (!fileUsable || RANK[level] < RANK[options.level]) return;
    try {
      mkdirSync(path.dirname(options.file!), { recursive: true });
      appendFileSync(options.file!, `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}\n`);
    } catch (error) {
      // A log file we cannot write must not stop the run; say so once, where the user looks.
      fileUsable = false;
      toSink('warn', `cannot write the log file ${options.file}: ${(error as Error).message}`);
    }
  };
  const toSink = (level: LogLevel, message: string) => {
    try {
      sink?.(level, message);
    } catch (error) {
      // The sink is the caller's code, called from anywhere, even while a failed run is being
      // recorded: a throw there must not change what KeySync does. It gets no more lines.
      sink = undefined;
      toFile('warn', `the log sink (onLog) threw and receives no more lines: ${(error as Error)?.message ?? String(error)}`);
    }
  };
  return {
    log(level, message) {
      toSink(level, message);
      toFile(level, message);
    },
  };
}
