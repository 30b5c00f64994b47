/** Reads report files with the parts that change run to run (times, run ids, paths) masked. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ISO_TIMESTAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z/g;
const RUN_ID = /\d{8}T\d{6}Z(-\d+)?-[a-z0-9]{4}/g;

export function maskVolatile(text: string, workspaceDir: string): string {
  return text.replaceAll(workspaceDir, '<WS>').replace(RUN_ID, '<RUN>').replace(ISO_TIMESTAMP, '<TS>');
}

const REPORT_FILE = /^(.*)_(?:dry-run_)?(\d{8}T\d{6}Z)(?:-(\d+))?\.csv$/;

/** report name → masked content, for the newest run's reports in `dir`. */
export function readReports(dir: string, workspaceDir: string): Record<string, string> {
  const files = readdirSync(dir).flatMap((file) => {
    const match = REPORT_FILE.exec(file);
    return match ? [{ file, name: match[1]!, stamp: match[2]!, attempt: Number(match[3] ?? 1) }] : [];
  });
  // A second run in the same second gets `-2`, which sorts before the bare stamp as text.
  const newest = files.reduce<(typeof files)[number] | undefined>(
    (best, entry) => (!best || entry.stamp > best.stamp || (entry.stamp === best.stamp && entry.attempt > best.attempt) ? entry : best),
    undefined,
  );
  const reports: Record<string, string> = {};
  for (const entry of files.filter((candidate) => candidate.stamp === newest?.stamp && candidate.attempt === newest.attempt)) {
    reports[entry.name] = maskVolatile(readFileSync(path.join(dir, entry.file), 'utf8'), workspaceDir);
  }
  return reports;
}
