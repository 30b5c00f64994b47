/** Drives a SourceReader through the seam's contract, as the row policy would, and keeps what the tests saw. */
import assert from 'node:assert/strict';
import { isKeySyncError, type ErrorCode, type KeySyncError } from '../../src/errors.js';
import type { RowLocator, RowSink, ScanOptions, SourceReader } from '../../src/sources/source-type.js';

export interface CollectedRow {
  readonly raw: string | null | undefined;
  readonly locator: RowLocator;
}

/** Every text a database source test produced: messages, remedies, describe(), causes, locations. */
export const seenTexts: string[] = [];

export async function scanAll(reader: SourceReader, options?: ScanOptions & { onRow?: (row: CollectedRow, index: number) => void }): Promise<CollectedRow[]> {
  seenTexts.push(reader.location);
  const rows: CollectedRow[] = [];
  const sink: RowSink = {
    row(raw, locator) {
      const row = { raw, locator };
      rows.push(row);
      options?.onRow?.(row, rows.length - 1);
    },
    unreadable(locator, reason, detail) {
      assert.fail(`a database source reported an unreadable row: ${locator} ${reason} ${detail}`);
    },
  };
  await reader.scan(sink, options);
  return rows;
}

/** The KeySyncError `promise` fails with, checked for its code; everything it says is kept for the leak check. */
export async function expectSourceError(promise: Promise<unknown>, code: ErrorCode): Promise<KeySyncError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(isKeySyncError(caught), `expected a KeySyncError ${code}, got ${caught === undefined ? 'success' : String((caught as Error)?.stack ?? caught)}`);
  seenTexts.push(caught.message, caught.describe(), caught.remedy ?? '', String(caught.cause ?? ''), JSON.stringify(caught), caught.stack ?? '');
  assert.equal(caught.code, code, caught.describe());
  return caught;
}

/** Fails naming every seen text that holds a password, in any of the forms a URL or a message could give it. */
export function assertNoPasswordSeen(passwords: readonly string[]): void {
  assert.ok(seenTexts.length > 10, `only ${seenTexts.length} texts were collected`);
  const forms = passwords.flatMap((password) => [password, encodeURIComponent(password), password.slice(0, -3)]);
  const leaks = seenTexts.filter((text) => forms.some((form) => text.includes(form)));
  assert.deepEqual(leaks, []);
}
