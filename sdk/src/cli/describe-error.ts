/**
 * An SDK error as the command line shows it. The SDK's remedies name its options
 * (`{ actor: "name" }`); on the command line the same fix is a flag. Codes stay the same.
 */
import { KeySyncError } from '../errors.js';

const CLI_REMEDIES: Readonly<Record<string, string>> = {
  ACTOR_REQUIRED: 'pass --actor NAME (it defaults to your user name)',
  ACTOR_INVALID: 'pass --actor NAME on one line, without control characters',
};

export function describeForCli(error: KeySyncError): string {
  const remedy = CLI_REMEDIES[error.code];
  if (!remedy) return error.describe();
  return new KeySyncError(error.code, error.kind, error.message, { file: error.file, line: error.line, remedy }).describe();
}
