/** Who a run is: its id, when it started, the stamp its reports carry, its mode. */
import { customAlphabet } from 'nanoid';
import type { RunMode } from '../core/types.js';

export interface RunIdentity {
  readonly id: string;
  /** ISO 8601 UTC. */
  readonly startedAt: string;
  /** ISO 8601 basic UTC, shared by the run's report file names. */
  readonly stamp: string;
  /** The folder its reports go to; the stamp is claimed there (reports/report-stamp.ts). */
  readonly outputDir: string;
  readonly mode: RunMode;
  /** True when this continues an interrupted run under its id (`--resume`). */
  readonly resumed: boolean;
}

const newRunSuffix = customAlphabet('23456789abcdefghjkmnpqrstuvwxyz', 4);

/** A run's id: its report stamp and a random suffix, so ids sort by start and never repeat. */
export const newRunId = (stamp: string): string => `${stamp}-${newRunSuffix()}`;

/** Row timestamps in reports: the run's start, to the second. */
export const reportTimestamp = (run: RunIdentity): string => run.startedAt.replace(/\.\d{3}Z$/, 'Z');
