/** The machine a bench ran on, for the line above its figures in bench/results. */
import os from 'node:os';

export function machine(): string {
  return `${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}, ${os.platform()} ${os.release()}`;
}
