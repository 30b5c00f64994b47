/**
 * Run progress on the terminal: a bar on a TTY (cli-progress), one plain line per stage
 * otherwise, so logs captured by CI stay readable.
 */
import cliProgress from 'cli-progress';
import { RECONCILE_STAGES as STAGES, type ProgressEvent, type ReconcileStage } from '../reconcile.js';

export interface ProgressView {
  update(event: ProgressEvent): void;
  stop(): void;
}

export function createProgressView(stream: NodeJS.WriteStream, quiet: boolean): ProgressView {
  if (quiet) return { update() {}, stop() {} };
  if (!stream.isTTY) return plainLines(stream);
  const bar = new cliProgress.SingleBar(
    { stream, format: ' {bar} {percentage}% | {stage} | {message}', hideCursor: true, clearOnComplete: true, fps: 10 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(STAGES.length * 100, 0, { stage: 'start', message: '' });
  return {
    update(event) {
      const within = event.total ? Math.min(99, Math.round(((event.done ?? 0) / event.total) * 100)) : 0;
      bar.update(STAGES.indexOf(event.stage) * 100 + within, { stage: event.stage, message: event.message });
    },
    stop: () => bar.stop(),
  };
}

function plainLines(stream: NodeJS.WriteStream): ProgressView {
  let lastStage: ReconcileStage | undefined;
  return {
    update(event) {
      if (event.stage === lastStage) return;
      lastStage = event.stage;
      stream.write(`[${event.stage}] ${event.message}\n`);
    },
    stop() {},
  };
}
