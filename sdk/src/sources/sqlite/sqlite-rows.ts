/**
 * Pure parts of the sqlite type: which locator a table's rows get, and how a value prints.
 * (See sqlite-type.ts for the rules.)
 */
import { keyLocator, keyLocatorValues } from '../key-locator.js';
import type { RowLocator } from '../source-type.js';
import type { Row } from './sqlite-file.js';

export interface TableShape {
  readonly columns: readonly string[];
  /** The primary key's columns in key order; empty when there is none. */
  readonly primaryKey: readonly string[];
  readonly kind: 'table' | 'without rowid' | 'view';
}

export interface TableLocator {
  /** Columns to select after the key (`, "id" AS l0`), empty for a row number. */
  readonly select: string;
  read(row: Row, number: number): RowLocator;
  /** The WHERE clause finding a row again, or undefined when rows are found by number. */
  where(locator: RowLocator): { readonly sql: string; readonly parameters: readonly unknown[] } | undefined;
}

export function tableLocator(shape: TableShape): TableLocator {
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  if (shape.kind === 'view') return { select: '', read: (_row, number) => number, where: () => undefined };
  // Without a primary key, the rowid (always an integer) stands for one.
  const columns = shape.primaryKey.length ? shape.primaryKey : ['rowid'];
  const expressions = shape.primaryKey.length ? shape.primaryKey.map(quote) : ['rowid'];
  const integerKey = columns.length === 1;
  return {
    select: expressions.map((expression, index) => `, ${expression} AS l${index}`).join(''),
    // SQLite types each value, not the column: a one-column key is a number only where this row's value is an integer.
    read: (row) => keyLocator(columns, columns.map((_column, index) => columnText(row[`l${index}`])), integerKey && (typeof row.l0 === 'number' || typeof row.l0 === 'bigint')),
    where: (locator) => {
      const values = keyLocatorValues(locator, columns, integerKey);
      return values && { sql: expressions.map((expression) => `${expression} = ?`).join(' AND '), parameters: values };
    },
  };
}

/** A value as text, the way SQLite's CAST(… AS TEXT) prints it; a blob in hex (X'…'); NULL as null. */
export function columnText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return `X'${Buffer.from(value).toString('hex').toUpperCase()}'`;
  return String(value);
}
