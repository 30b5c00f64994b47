/**
 * `keysync config check`: loads the config as a run would — validation, the earlier tool's
 * keys, overlapping paths — and prints the effective config; every warning goes to stderr, as for every command, and
 * into the JSON with --json. A config
 * error exits 2, as it does for every other command.
 */
import { stringify } from 'yaml';
import { effectiveConfig } from '../config/effective.js';
import { openCliWorkspace } from './open-workspace.js';
import type { CliIo } from './io.js';

export interface ConfigCheckOptions {
  readonly config: string;
  readonly json?: boolean;
}

export async function configCheckCommand(options: ConfigCheckOptions, io: CliIo): Promise<void> {
  // Opening checks what loading alone does not (paths that overlap); it creates nothing.
  const workspace = await openCliWorkspace(options.config, io);
  try {
    const { config } = workspace;
    const effective = effectiveConfig(config);
    if (options.json) {
      const sources = [...effective.sources].map(([system, source]) => ({ system, ...source }));
      io.stdout.write(`${JSON.stringify({ file: config.file, config: { ...effective, sources }, warnings: config.warnings }, null, 2)}\n`);
      return;
    }
    const origin = config.file === null ? `# no config file; the defaults apply` : `# ${config.file}: valid; every default applied, paths resolved`;
    io.stdout.write(`${origin}\n${stringify(effective)}`);
  } finally {
    await workspace.close();
  }
}
