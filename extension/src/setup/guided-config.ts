/**
 * The pure half of the guided Create Config: reading a CSV's header line, naming a system
 * after its file, guessing the key column, and writing the config from the user's picks.
 * No editor API: unit-tested outside the editor.
 */
import path from 'node:path';

export interface PickedSource {
  readonly system: string;
  /** Relative to the config's folder, with forward slashes. */
  readonly path: string;
  readonly keyColumn: string;
  readonly delimiter: string;
}

const DELIMITERS = [',', ';', '\t', '|'];

/** The delimiter a header line most likely uses: the candidate that appears most, outside quotes; "," by default. */
export function guessDelimiter(headerLine: string): string {
  const unquoted = headerLine.replace(/"[^"]*"/g, '');
  let best = ',';
  let bestCount = 0;
  for (const delimiter of DELIMITERS) {
    const count = unquoted.split(delimiter).length - 1;
    if (count > bestCount) [best, bestCount] = [delimiter, count];
  }
  return best;
}

/** The column names of a header line (a leading BOM dropped, `"` quoting honoured, names trimmed). */
export function headerFields(headerLine: string, delimiter = guessDelimiter(headerLine)): string[] {
  const line = headerLine.replace(/^\uFEFF/, '').replace(/\r?\n[\s\S]*$/, '');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let at = 0; at < line.length; at++) {
    const char = line[at]!;
    if (quoted) {
      if (char === '"' && line[at + 1] === '"') {
        field += '"';
        at++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === delimiter) {
      fields.push(field.trim());
      field = '';
    } else field += char;
  }
  fields.push(field.trim());
  return fields.filter((name) => name !== '');
}

/** The column most likely to hold the key: "key", then a name ending in id/key/code, else the first. */
export function guessKeyColumn(fields: readonly string[]): string | undefined {
  return (
    fields.find((field) => field.toLowerCase() === 'key') ??
    fields.find((field) => /(^|[\s_-])(id|key|code)$/i.test(field) || /(Id|Key|Code)$/.test(field)) ??
    fields[0]
  );
}

/** A system name from a file name, valid for the config (letters, digits, `_ . -`) and not yet taken. */
export function systemName(file: string, taken: ReadonlySet<string>): string {
  const base = path.basename(file).replace(/\.csv$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '').slice(0, 60) || 'system';
  let name = base;
  for (let suffix = 2; taken.has(name); suffix++) name = `${base}_${suffix}`;
  return name;
}

/** The config for the picked sources; the authority is listed first. Everything else keeps its default. */
export function guidedConfigText(authority: string, sources: readonly PickedSource[]): string {
  const quote = (value: string) => JSON.stringify(value);
  const ordered = [...sources.filter((source) => source.system === authority), ...sources.filter((source) => source.system !== authority)];
  return [
    '# KeySync configuration, written by "KeySync: Create Config" from the CSV files you picked.',
    "# Relative paths resolve against this file's folder. Every setting not written here has its",
    '# default; the JSON Schema (and completion, with the YAML extension) lists them all.',
    '',
    '# The authoritative system: keys elsewhere that it lacks are "out of authority".',
    `authority: ${quote(authority)}`,
    '',
    '# Every system, in the order reports list them.',
    'sources:',
    ...ordered.map(
      (source) =>
        `  ${quote(source.system)}: { type: csv, path: ${quote(source.path)}, key_column: ${quote(source.keyColumn)}${source.delimiter === ',' ? '' : `, delimiter: ${quote(source.delimiter)}`} }`,
    ),
    '',
  ].join('\n');
}
