/**
 * Pure parts of the sqlite type: which locator a table's rows get, and how a value prints.
 * (See sqlite-type.ts for the rules.)
 */
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
  if (shape.primaryKey.length === 0) {
    return {
      select: ', rowid AS l0',
      read: (row) => locatorValue(row.l0),
      where: (locator) => ({ sql: 'rowid = ?', parameters: [locator] }),
    };
  }
  if (shape.primaryKey.length === 1) {
    return {
      select: `, ${quote(shape.primaryKey[0]!)} AS l0`,
      read: (row) => locatorValue(row.l0),
      where: (locator) => ({ sql: `${quote(shape.primaryKey[0]!)} = ?`, parameters: [locator] }),
    };
  }
  return {
    select: shape.primaryKey.map((column, index) => `, ${quote(column)} AS l${index}`).join(''),
    read: (row) => JSON.stringify(shape.primaryKey.map((_column, index) => columnText(row[`l${index}`]))),
    where: (locator) => {
      const values = typeof locator === 'string' ? (JSON.parse(locator) as unknown[]) : [];
      if (!Array.isArray(values) || values.length !== shape.primaryKey.length) return undefined;
      return { sql: shape.primaryKey.map((column) => `${quote(column)} = ?`).join(' AND '), parameters: values };
    },
  };
}

/** A key value as a locator: an integer stays a number where JavaScript holds it exactly. */
function locatorValue(value: unknown): RowLocator {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  return columnText(value) ?? 'NULL';
}

/** A value as text, the way SQLite's CAST(… AS TEXT) prints it; a blob in hex (X'…'); NULL as null. */
export function columnText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return `X'${Buffer.from(value).toString('hex').toUpperCase()}'`;
  return String(value);
}
