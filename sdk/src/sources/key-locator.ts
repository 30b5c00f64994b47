/**
 * A table row's locator as reports show it, for every database type (SQLite, PostgreSQL,
 * MySQL/MariaDB; docs/behaviour.md §2, docs/database-sources.md): its primary key (or row
 * id). A key of one integer column is the number itself (`42`) and costs the index no text;
 * any other key is text naming its columns in key order, `code=X-1` or `region=EU,id=1`. `%`,
 * `,` and `=` inside a name or value are percent-encoded, so the text reads back into the same
 * columns and values for "open this row".
 */
import type { RowLocator } from './source-type.js';

const ENCODED = /[%,=]/g;

/** The locator of a row whose primary key `columns` holds `values`; `integerKey`: one integer column. */
export function keyLocator(columns: readonly string[], values: readonly (string | null)[], integerKey: boolean): RowLocator {
  if (integerKey) {
    const number = Number(values[0]);
    if (Number.isSafeInteger(number) && String(number) === values[0]) return number;
  }
  return formatKeyLocator(columns, values);
}

/** The primary key values a locator made by keyLocator names; undefined if it is not one. */
export function keyLocatorValues(locator: RowLocator, columns: readonly string[], integerKey: boolean): string[] | undefined {
  if (typeof locator === 'number') return integerKey && Number.isSafeInteger(locator) ? [String(locator)] : undefined;
  return parseKeyLocator(locator, columns);
}

const encode = (text: string) => text.replace(ENCODED, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);

export function formatKeyLocator(columns: readonly string[], values: readonly (string | null)[]): string {
  return columns.map((column, i) => `${encode(column)}=${encode(values[i] ?? '')}`).join(',');
}

/** The values of `columns` in a locator made by formatKeyLocator; undefined if it names other columns. */
export function parseKeyLocator(locator: string, columns: readonly string[]): string[] | undefined {
  try {
    return parsePairs(locator, columns);
  } catch {
    return undefined; // a stray `%`: not a locator this module wrote
  }
}

function parsePairs(locator: string, columns: readonly string[]): string[] | undefined {
  const pairs = locator.split(',').map((pair) => {
    const at = pair.indexOf('=');
    return at < 0 ? undefined : [decodeURIComponent(pair.slice(0, at)), decodeURIComponent(pair.slice(at + 1))];
  });
  if (pairs.length !== columns.length || pairs.some((pair, i) => pair === undefined || pair[0] !== columns[i])) return undefined;
  return pairs.map((pair) => pair![1]!);
}
