/**
 * A small leveled logger. The workspace writes to `logging.file` and forwards every line
 * to an optional sink (the CLI's --verbose output, the extension's LogOutputChannel).
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  log(level: LogLevel, message: string): void;
}

export type LogSink = (level: LogLevel, message: string) => void;

const RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };

export function createLogger(options: { file: string | null; level: LogLevel; sink?: LogSink }): Logger {
  let fileUsable = options.file !== null;
  return {
    log(level, message) {
      options.sink?.(level, message);
      if (!fileUsable || RANK[level] < RANK[options.level]) return;
      try {
        mkdirSync(path.dirname(options.file!), { recursive: true });
        appendFileSync(options.file!, `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}\n`);
      } catch (error) {
        // A log file we cannot write must not stop the run; say so once, where the user looks.
        fileUsable = false;
        options.sink?.('warn', `cannot write the log file ${options.file}: ${(error as Error).message}`);
      }
    },
  };
}
