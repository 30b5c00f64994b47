/** The KeySync log channel, fed by the extension and by the SDK's own log lines. */
import * as vscode from 'vscode';
import type { LogLevel } from '@keysync/sdk';

export class Log implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('KeySync', { log: true });

  write(level: LogLevel, message: string): void {
    const write = { debug: this.channel.debug, info: this.channel.info, warn: this.channel.warn, error: this.channel.error }[level];
    write.call(this.channel, message);
  }

  info(message: string): void {
    this.channel.info(message);
  }

  error(message: string): void {
    this.channel.error(message);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
