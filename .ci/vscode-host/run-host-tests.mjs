#!/usr/bin/env node
// Runs an extension test suite inside code-server's extension host and exits with its code.
//
//   node .ci/vscode-host/run-host-tests.mjs --extension DIR --tests SUITE.js \
//     [--workspace DIR] [--work-dir DIR] [--timeout MS] [--env KEY=VALUE ...] [--keep]
//
// --extension may repeat. The extension host inherits this process's environment plus
// every --env pair. Exit codes: the suite's (0 pass, 1 fail), 124 timeout, 2 usage error.
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { makeWorkDir, runExtensionHostTests } from './harness.mjs';

const usage = 'usage: run-host-tests.mjs --extension DIR --tests SUITE.js [--workspace DIR] '
  + '[--work-dir DIR] [--timeout MS] [--env KEY=VALUE ...] [--keep]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      workspace: { type: 'string' },
      extension: { type: 'string', multiple: true },
      tests: { type: 'string' },
      'work-dir': { type: 'string', default: process.env.VSCODE_HOST_WORK_DIR },
      timeout: { type: 'string', default: process.env.VSCODE_HOST_TIMEOUT_MS ?? '120000' },
      env: { type: 'string', multiple: true, default: [] },
      keep: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  }));
} catch (err) {
  console.error(`${err.message}\n${usage}`);
  process.exit(2);
}
if (values.help) { console.log(usage); process.exit(0); }
if (!values.extension?.length || !values.tests) { console.error(usage); process.exit(2); }

const env = {};
for (const pair of values.env) {
  const i = pair.indexOf('=');
  if (i <= 0) { console.error(`--env expects KEY=VALUE, got ${pair}`); process.exit(2); }
  env[pair.slice(0, i)] = pair.slice(i + 1);
}

const workDir = makeWorkDir(values['work-dir']);
// code-server runs in its own session, so a terminal's Ctrl-C does not reach it: exit
// through process.exit, whose 'exit' hook in the harness kills its process group.
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]]) process.once(sig, () => process.exit(code));
const started = Date.now();
const { exitCode } = await runExtensionHostTests({
  workspaceFolder: values.workspace,
  extensionDevelopmentPath: values.extension,
  extensionTestsPath: values.tests,
  env,
  workDir,
  timeoutMs: Number(values.timeout),
});
const secs = ((Date.now() - started) / 1000).toFixed(1);
console.log(`[vscode-host] exit ${exitCode} after ${secs}s; work dir ${workDir}`);
// A passing run's state is only noise; keep it on failure (logs, screenshot) or on --keep.
if (exitCode === 0 && !values.keep && !values['work-dir']) fs.rmSync(workDir, { recursive: true, force: true });
process.exit(exitCode);
