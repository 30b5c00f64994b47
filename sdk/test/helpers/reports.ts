/** Reads report files with the parts that change run to run (times, run ids, paths) masked. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const ISO_TIMESTAMP = /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z/g;
const RUN_ID = /\d{8}T\d{6}Z(-\d+)?-[a-z0-9]{4}/g;

export function maskVolatile(text: string, workspaceDir: string): string {
  return text.replaceAll(workspaceDir, '<WS>').replace(RUN_ID, '<RUN>').replace(ISO_TIMESTAMP, '<TS>');
}

/** report name → masked content, for the reports in `dir` (one run's worth). */
export function readReports(dir: string, workspaceDir: string): Record<string, string> {
  const reports: Record<string, string> = {};
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.csv')).sort()) {
    const name = file.replace(/_(dry-run_)?\d{8}T\d{6}Z(-\d+)?\.csv$/, '');
    reports[name] = maskVolatile(readFileSync(path.join(dir, file), 'utf8'), workspaceDir);
  }
  return reports;
}
