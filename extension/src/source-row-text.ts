/**
 * The text of a source row document ("Open Source Row" on a database or Parquet sighting)
 * and what its URI carries. Pure: no editor API.
 */
import type { RowLocator } from '@keysync/sdk';

export interface RowTarget {
  readonly system: string;
  readonly locator: RowLocator;
  /**
   * Where the sighting was read (`sqlite:<file> table t`, `postgres://user@host/db table t`;
   * never a password). Part of the URI because the editor keeps a document by its URI: without
   * it, row 6 of system C in one config's SQLite file and in another's PostgreSQL table would be
   * one document, and the second would show the first's text.
   */
  readonly location: string;
}

/** The URI query naming the row: JSON keeps a numeric locator a number and a text one text. */
export function encodeRowTarget(target: RowTarget): string {
  return JSON.stringify({ system: target.system, locator: target.locator, location: target.location });
}

export function decodeRowTarget(query: string): RowTarget {
  const parsed = JSON.parse(query) as { system?: unknown; locator?: unknown; location?: unknown };
  if (typeof parsed.system !== 'string' || (typeof parsed.locator !== 'number' && typeof parsed.locator !== 'string') || typeof parsed.location !== 'string') {
    throw new Error(`Not a KeySync source row: ${query}`);
  }
  return { system: parsed.system, locator: parsed.locator, location: parsed.location };
}

/** A short file-like name for the document's tab: `B row 12`, `B row K-7`. */
export function rowDocumentName(target: RowTarget): string {
  return `${target.system} row ${String(target.locator).replace(/[/\\?#%]/g, '_').slice(0, 60)}`;
}

/** `column: value` lines under a heading; NULL stands for a database NULL, as a database prints it. */
export function rowText(target: RowTarget, location: string, row: ReadonlyMap<string, string | null> | undefined): string {
  const heading = `# ${target.system} — ${location}\n# row ${typeof target.locator === 'number' ? target.locator : JSON.stringify(target.locator)}\n`;
  if (!row) return `${heading}\nThis row is no longer in the source (it changed since the run).\n`;
  const width = Math.max(0, ...[...row.keys()].map((column) => column.length));
  const lines = [...row].map(([column, value]) => `${column.padEnd(width)} : ${value === null ? 'NULL' : JSON.stringify(value)}`);
  return `${heading}\n${lines.join('\n')}\n`;
}
