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
  const scanner = plainScanner(delimiter, handlers);
  scanner.push(text);
  scanner.end();
}

/** The plain path fed piece by piece: the same records as scanCsv on the whole text, however the text is cut. */
export interface PlainScanner {
  push(text: string): void;
  end(): void;
}

/** Text without a quote character, in pieces (a file read in chunks); a line cut between pieces waits for the rest. */
export function plainScanner(delimiter: string, handlers: CsvScanHandlers): PlainScanner {
  let keyColumn = -1;
  let lineNumber = 0;
  let carry = '';
  const line = (text: string, start: number, end: number, nextDelimiter: (from: number) => number) => {
    lineNumber++;
    const lineEnd = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (lineEnd <= start) return;
    if (keyColumn < 0) keyColumn = handlers.header(text.slice(start, lineEnd).split(delimiter), lineNumber);
    else scanPlainRow(text, start, lineEnd, nextDelimiter, keyColumn, lineNumber, handlers);
  };
  return {
    push(piece) {
      const text = carry + piece;
      const nextDelimiter = delimiterFinder(text, delimiter);
      let start = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', start)) {
        line(text, start, end, nextDelimiter);
        start = end + 1;
      }
      carry = text.slice(start);
    },
    end() {
      if (carry.length > 0) line(carry, 0, carry.length, delimiterFinder(carry, delimiter));
      carry = '';
    },
  };
}

/**
 * The first delimiter at or after a position, for positions asked in increasing order: the
 * text is searched once past the lines that have none. Searching from each line afresh went
 * to the end of the text for every line of a one-column file — quadratic, minutes at a
 * million rows.
 */
function delimiterFinder(text: string, delimiter: string): (from: number) => number {
  let found = -2;
  return (from) => {
    // -1: none after an earlier, smaller position, so none after this one either.
    if (found === -1 || found >= from) return found;
    found = text.indexOf(delimiter, from);
    return found;
  };
}

function scanPlainRow(
  text: string,
  start: number,
  end: number,
  nextDelimiter: (from: number) => number,
  keyColumn: number,
  line: number,
  handlers: CsvScanHandlers,
): void {
  let key: string | undefined;
  let fieldCount = 0;
  let fieldStart = start;
  for (;;) {
    let fieldEnd = nextDelimiter(fieldStart);
    if (fieldEnd < 0 || fieldEnd > end) fieldEnd = end;
    if (fieldCount === keyColumn) key = text.slice(fieldStart, fieldEnd);
    fieldCount++;
    if (fieldEnd === end) break;
    fieldStart = fieldEnd + 1;
  }
  handlers.row(key, fieldCount, line);
}

/**
 * Line numbers come from byte offsets, not csv-parse's own line count, which counts a CRLF
 * inside a quoted field twice; the text is parsed as UTF-8 bytes so its offsets are bytes.
 */
function scanQuoted(text: string, delimiter: string, handlers: CsvScanHandlers): void {
  const bytes = Buffer.from(text, 'utf8');
  const lines = new LineCounter(bytes);
  let keyColumn = -1;
  let offset = 0;
  // What a handler throws (a refused header, a bad row under on_corrupt_data: fail) is the
  // reader's decision, not a record csv-parse could not parse: it must not be caught as one.
  let handlerError: { readonly error: unknown } | undefined;
  while (offset < bytes.length) {
    let recordStart = offset;
    try {
      parse(bytes.subarray(offset), {
        delimiter,
        // Both, so a file that mixes CRLF and LF lines loses no row.
        record_delimiter: ['\r\n', '\n'],
        relax_column_count: true,
        // A quote inside an unquoted field is a literal character, as spreadsheets write it.
        relax_quotes: true,
        skip_empty_lines: true,
        on_record: (record: string[], context: { bytes: number }) => {
          const line = lines.lineAt(skipBlankLines(bytes, recordStart));
          recordStart = offset + context.bytes;
          try {
            if (keyColumn < 0) keyColumn = handlers.header(record, line);
            else handlers.row(record[keyColumn], record.length, line);
          } catch (error) {
            handlerError = { error };
            throw error;
          }
          return null;
        },
      });
      return;
    } catch (error) {
      if (handlerError) throw handlerError.error;
      const badStart = skipBlankLines(bytes, recordStart);
      handlers.unparseable(lines.lineAt(badStart), csvParseMessage(error));
      const lineEnd = bytes.indexOf(10, badStart);
      offset = lineEnd < 0 ? bytes.length : lineEnd + 1;
    }
  }
}

function skipBlankLines(bytes: Buffer, offset: number): number {
  let at = offset;
  while (at < bytes.length && (bytes[at] === 10 || bytes[at] === 13)) at++;
  return at;
}

/** 1-based line of a byte offset; offsets only move forward, so counting is incremental. */
class LineCounter {
  private offset = 0;
  private line = 1;

  constructor(private readonly bytes: Buffer) {}

  lineAt(target: number): number {
    for (let at = this.bytes.indexOf(10, this.offset); at >= 0 && at < target; at = this.bytes.indexOf(10, at + 1)) {
      this.line++;
      this.offset = at + 1;
    }
    return this.line;
  }
}

function csvParseMessage(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  // csv-parse's messages end with its own line count, which is relative to the resumed text.
  return message.replace(/\s*at line \d+\.?$/i, '').replace(/^Invalid Record Length: /, '');
}
