/**
 * Reads a KeySync report with the position of every field, which CodeLens placement and
 * in-place status rewrites need and csv-parse does not give. Reports are RFC 4180 as
 * KeySync writes them: comma-separated, `"` quoting, LF or CRLF.
 */
export interface CsvField {
  /** The unquoted value. */
  readonly value: string;
  /** Offsets of the raw field text (quotes included) in the document. */
  readonly start: number;
  readonly end: number;
}

export interface CsvRecord {
  /** 0-based line the record starts on. */
  readonly line: number;
  readonly fields: readonly CsvField[];
}

export function readCsvRecords(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let line = 0;
  let fields: CsvField[] = [];
  let recordLine = 0;
  let at = 0;
  while (at <= text.length) {
    const start = at;
    let value = '';
    if (text[at] === '"') {
      at++;
      for (;;) {
        const quote = text.indexOf('"', at);
        if (quote < 0) {
          value += text.slice(at);
          at = text.length;
          break;
        }
        value += text.slice(at, quote);
        if (text[quote + 1] === '"') {
          value += '"';
          at = quote + 2;
        } else {
          at = quote + 1;
          break;
        }
      }
      for (const char of value) if (char === '\n') line++;
    } else {
      let end = at;
      while (end < text.length && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
      value = text.slice(at, end);
      at = end;
    }
    fields.push({ value, start, end: at });
    if (text[at] === ',') {
      at++;
      continue;
    }
    // End of record: a line break or the end of the text.
    if (!(fields.length === 1 && fields[0]!.value === '' && start === at)) records.push({ line: recordLine, fields });
    if (text[at] === '\r') at++;
    if (text[at] === '\n') at++;
    else if (at >= text.length) break;
    line++;
    recordLine = line;
    fields = [];
  }
  return records;
}
