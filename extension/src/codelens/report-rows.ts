/**
 * The rows of an actionable report matched against the registry: which are pending,
 * which the registry has moved on from, and the edits that bring the file in line. Pure.
 */
import type { MasterKeyRecord, MasterKeyStatus } from '@keysync/sdk';
import { unguardFormula } from '@keysync/sdk';
import { readCsvRecords, type CsvField } from './csv-records.js';
import type { ActionableReport } from './report-kind.js';

export interface ReportRow {
  readonly line: number;
  readonly masterKey: string;
  /** The status the file shows. */
  readonly fileStatus: string;
  readonly record: MasterKeyRecord | undefined;
  readonly statusField: CsvField;
  readonly activatedAtField: CsvField | undefined;
}

export interface ParsedReport {
  readonly headerLine: number;
  readonly rows: readonly ReportRow[];
}

export function parseReport(text: string, kind: ActionableReport, registry: ReadonlyMap<string, MasterKeyRecord>): ParsedReport | undefined {
  const [header, ...records] = readCsvRecords(text);
  if (!header) return undefined;
  const names = header.fields.map((field) => field.value);
  const masterKeyAt = names.indexOf(kind.masterKeyColumn);
  const statusAt = names.indexOf(kind.statusColumn);
  const activatedAt = kind.activatedAtColumn ? names.indexOf(kind.activatedAtColumn) : -1;
  if (masterKeyAt < 0 || statusAt < 0) return undefined;
  const rows: ReportRow[] = [];
  for (const record of records) {
    const masterKeyField = record.fields[masterKeyAt];
    const statusField = record.fields[statusAt];
    if (!masterKeyField || !statusField || masterKeyField.value === '') continue;
    // A linked key's row names the authority key it is linked to in place of a master key
    // (docs/behaviour.md §6): there is nothing here to approve, reject or compare.
    if (statusField.value === ('linked' satisfies MasterKeyStatus)) continue;
    const masterKey = unguardFormula(masterKeyField.value);
    rows.push({
      line: record.line,
      masterKey,
      fileStatus: statusField.value,
      record: registry.get(masterKey),
      statusField,
      activatedAtField: activatedAt >= 0 ? record.fields[activatedAt] : undefined,
    });
  }
  return { headerLine: header.line, rows };
}

export const isPending = (row: ReportRow): boolean => row.record?.status === 'proposed';

/** A row whose file status no longer matches the registry (or whose key the registry lacks). */
export const isStale = (row: ReportRow): boolean => row.record === undefined || row.record.status !== row.fileStatus;

export interface TextEdit {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/** The smallest edits that make every row's status (and activation time) match the registry. */
export function statusEdits(report: ParsedReport): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const row of report.rows) {
    if (!row.record) continue;
    if (row.fileStatus !== row.record.status) edits.push({ start: row.statusField.start, end: row.statusField.end, text: row.record.status });
    const activated = row.record.activatedAt ?? '';
    if (row.activatedAtField && row.activatedAtField.value !== activated) {
      edits.push({ start: row.activatedAtField.start, end: row.activatedAtField.end, text: activated });
    }
  }
  return edits;
}
