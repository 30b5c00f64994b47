/** Opens the workspace a command works on and tells the user about the config's warnings. */
import type { ConfigWarning } from '../config/load.js';
import { openWorkspace, type OpenWorkspaceOptions, type Workspace } from '../workspace.js';
import type { CliIo } from './io.js';

export async function openCliWorkspace(configPath: string, io: CliIo, options: OpenWorkspaceOptions = {}): Promise<Workspace> {
  const workspace = await openWorkspace(configPath, options);
  printConfigWarnings(workspace.config.file, workspace.config.warnings, io);
  return workspace;
}

/** One line each on stderr, so stdout stays the command's output (or JSON). */
export function printConfigWarnings(file: string | null, warnings: readonly ConfigWarning[], io: CliIo): void {
  for (const warning of warnings) io.stderr.write(`keysync: warning: ${file ?? ''}:${warning.line}: ${warning.text}\n`);
}
