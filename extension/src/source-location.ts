/**
 * Where a sighting came from, as the SDK reports it (docs/behaviour.md §2): a CSV source's
 * location is its file path and its locator the line; every other type's location starts
 * with the type (`sqlite:…`, `parquet:…`, `postgres://…`) and its locator is a primary key
 * or row number, which opens as a read-only document of that row rather than in a file.
 */
import type { RowLocator } from '@keysync/sdk';

/** A type prefix has two or more letters, so a Windows drive (`C:`) never reads as one. */
const TYPED_LOCATION = /^[a-z][a-z0-9+.-]+:/i;

/** True when the location is a text file whose locator is a line to open it at. */
export function isLineLocation(location: string, locator: RowLocator): locator is number {
  return typeof locator === 'number' && !TYPED_LOCATION.test(location);
}

/** `line 12` for a CSV row, `row 12` or `row "K-7"` for the others. */
export function describeLocator(location: string, locator: RowLocator): string {
  if (isLineLocation(location, locator)) return `line ${locator}`;
  return typeof locator === 'number' ? `row ${locator}` : `row ${JSON.stringify(locator)}`;
}
