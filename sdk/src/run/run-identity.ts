/** Who a run is: its id, when it started, the stamp its reports carry, its mode. */
import { customAlphabet } from 'nanoid';
import type { RunMode } from '../core/types.js';

export interface RunIdentity {
  readonly id: string;
  /** ISO 8601 UTC. */
  readonly startedAt: string;
  /** ISO 8601 basic UTC, shared by the run's report file names. */
  readonly stamp: string;
  readonly mode: RunMode;
  /** True when this continues an interrupted run under its id (`--resume`). */
  readonly resumed: boolean;
}

const newRunSuffix = customAlphabet('23456789abcdefghjkmnpqrstuvwxyz', 4);

export function newRunIdentity(startedAt: Date, stamp: string, mode: RunMode): RunIdentity {
  return { id: `${stamp}-${newRunSuffix()}`, startedAt: startedAt.toISOString(), stamp, mode, resumed: false };
}

/** Row timestamps in reports: the run's start, to the second. */
export const reportTimestamp = (run: RunIdentity): string => run.startedAt.replace(/\.\d{3}Z$/, 'Z');
