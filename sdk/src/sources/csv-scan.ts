/**
 * Walks the records of a CSV text, handing the reader only what it needs of each row:
 * the key field, how many fields the row has, and the line the row starts on.
 *
 * Text without a single quote character cannot use RFC 4180 quoting, so it is split
 * directly (several times faster); anything else goes through csv-parse. Both paths give
 * the same records. A record csv-parse cannot parse (an unterminated quote, say) is
 * reported with its line and parsing resumes on the next line, so one bad row never
 * hides the rest of the file.
 */
import { parse } from 'csv-parse/sync';

export interface CsvScanHandlers {
  /** Receives the header fields; returns the index of the key column. */
  header(fields: readonly string[], line: number): number;
  row(key: string | undefined, fieldCount: number, line: number): void;
  unparseable(line: number, message: string): void;
}

export function scanCsv(text: string, delimiter: string, handlers: CsvScanHandlers): void {
  if (text.includes('"')) scanQuoted(text, delimiter, handlers);
  else scanPlain(text, delimiter, handlers);
}

function scanPlain(text: string, delimiter: string, handlers: CsvScanHandlers): void {
  let keyColumn = -1;
  let lineNumber = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNumber++;
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (lineEnd > start) {
      if (keyColumn < 0) {
        keyColumn = handlers.header(text.slice(start, lineEnd).split(delimiter), lineNumber);
      } else {
        scanPlainRow(text, start, lineEnd, delimiter, keyColumn, lineNumber, handlers);
      }
    }
    start = end + 1;
  }
}

function scanPlainRow(
  text: string,
  start: number,
  end: number,
  delimiter: string,
  keyColumn: number,
  line: number,
  handlers: CsvScanHandlers,
): void {
  let key: string | undefined;
  let fieldCount = 0;
  let fieldStart = start;
  for (;;) {
    let fieldEnd = text.indexOf(delimiter, fieldStart);
    if (fieldEnd < 0 || fieldEnd > end) fieldEnd = end;
    if (fieldCount === keyColumn) key = text.slice(fieldStart, fieldEnd);
    fieldCount++;
    if (fieldEnd === end) break;
    fieldStart = fieldEnd + 1;
  }
  handlers.row(key, fieldCount, line);
}

function scanQuoted(text: string, delimiter: string, handlers: CsvScanHandlers): void {
  let keyColumn = -1;
  let remaining = text;
  let linesBefore = 0;
  for (;;) {
    let lastRecordEnd = 0;
    try {
      parse(remaining, {
        delimiter,
        relax_column_count: true,
        // A quote inside an unquoted field is a literal character, as spreadsheets write it.
        relax_quotes: true,
        skip_empty_lines: true,
        on_record: (record: string[], context: { lines: number }) => {
          const line = linesBefore + context.lines - embeddedNewlines(record);
          lastRecordEnd = context.lines;
          if (keyColumn < 0) keyColumn = handlers.header(record, line);
          else handlers.row(record[keyColumn], record.length, line);
          return null;
        },
      });
      return;
    } catch (error) {
      const badLine = firstNonEmptyLine(remaining, lastRecordEnd);
      handlers.unparseable(linesBefore + badLine, csvParseMessage(error));
      const resumeAt = offsetAfterLine(remaining, badLine);
      if (resumeAt >= remaining.length) return;
      remaining = remaining.slice(resumeAt);
      linesBefore += badLine;
    }
  }
}

function embeddedNewlines(record: readonly string[]): number {
  let count = 0;
  for (const field of record) {
    for (let at = field.indexOf('\n'); at >= 0; at = field.indexOf('\n', at + 1)) count++;
  }
  return count;
}

/** The 1-based line of the first non-blank line after `line` (where the failing record starts). */
function firstNonEmptyLine(text: string, line: number): number {
  let offset = offsetAfterLine(text, line);
  let current = line + 1;
  while (offset < text.length) {
    let end = text.indexOf('\n', offset);
    if (end < 0) end = text.length;
    if (text.slice(offset, end).trim() !== '') return current;
    offset = end + 1;
    current++;
  }
  return current;
}

/** Offset of the first character after the end of 1-based `line` (0 for line 0). */
function offsetAfterLine(text: string, line: number): number {
  let offset = 0;
  for (let current = 0; current < line; current++) {
    const end = text.indexOf('\n', offset);
    if (end < 0) return text.length;
    offset = end + 1;
  }
  return offset;
}

function csvParseMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // csv-parse's messages end with its own line count, which is relative to the resumed text.
  return message.replace(/\s*at line \d+\.?$/i, '').replace(/^Invalid Record Length: /, '');
}
