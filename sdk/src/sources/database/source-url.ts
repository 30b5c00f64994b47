/**
 * A database source's URL as both server types read it (docs/database-sources.md): `${VAR}`
 * expanded from the source's environment, then parsed. An unset variable does not throw
 * here: it is kept and thrown by every task, so opening a source never fails.
 */
import { expandVariables } from '../../config/expand-variables.js';
import type { SystemId } from '../../core/types.js';
import { isKeySyncError, type KeySyncError } from '../../errors.js';

export interface SourceUrl {
  /** Undefined when the text is not a URL (the driver then says why when it connects). */
  readonly url: URL | undefined;
  readonly configError: KeySyncError | undefined;
  /** The URL's parts, percent-decoded; undefined when absent. */
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly database: string | undefined;
}

export function readSourceUrl(system: SystemId, text: string, env: Readonly<Record<string, string | undefined>>): SourceUrl {
  let configError: KeySyncError | undefined;
  let expanded = text;
  try {
    expanded = expandVariables(text, env, `sources.${system}.url`);
  } catch (error) {
    if (!isKeySyncError(error)) throw error;
    configError = error;
  }
  let url: URL | undefined;
  try {
    url = new URL(expanded);
  } catch {
    url = undefined;
  }
  return {
    url,
    configError,
    user: url?.username ? safeDecode(url.username) : undefined,
    password: url?.password ? safeDecode(url.password) : undefined,
    database: url && url.pathname.length > 1 ? safeDecode(url.pathname.slice(1)) : undefined,
  };
}

/** A badly escaped part is taken as written rather than refused: the server judges it. */
function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
