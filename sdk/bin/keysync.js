#!/usr/bin/env node
// The `keysync` command as npm links it. npm makes the link when it installs the workspace,
// before anything is built, and skips a bin whose target is missing; so the target is this
// committed file, which runs the built CLI, or says how to build it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(`keysync: the CLI is not built yet (${fileURLToPath(cli)} is missing) — run \`npm run build\` (or \`npm start\`) in the repository first\n`);
  process.exitCode = 1;
} else {
  await import(cli.href);
}
