/** `keysync [options]`: optionally generate mock data, then run a reconciliation. */
import path from 'node:path';
import { comparedNothing, hasDiscrepancies, whyNothingCompared } from '../core/summary.js';
import type { RunMode } from '../core/types.js';
import { KeySyncError } from '../errors.js';
import { generateMockData } from '../mock/generate.js';
import type { FailureInjection, Scenario } from '../mock/scenarios.js';
import { EXIT } from './exit-codes.js';
import { formatCount } from '../core/format.js';
import { formatSummary } from './format.js';
import type { CliIo } from './io.js';
import { openCliWorkspace } from './open-workspace.js';
import { createProgressView } from './progress.js';
import { verboseSink } from './verbose.js';

export interface RunCommandOptions {
  readonly config: string;
  readonly mode?: RunMode;
  readonly dryRun?: boolean;
  readonly autoApprove?: boolean;
  readonly resume?: boolean;
  readonly outputDir?: string;
  readonly failOnDiscrepancy?: boolean;
  readonly generateData?: boolean;
  readonly force?: boolean;
  readonly into?: string;
  readonly scenario?: Scenario;
  readonly keys?: number;
  readonly seed?: number;
  readonly injectFailures?: FailureInjection[];
  readonly json?: boolean;
  readonly quiet?: boolean;
  readonly verbose?: boolean;
}

export async function runCommand(options: RunCommandOptions, io: CliIo): Promise<void> {
  if (options.generateData) await generate(options, io);
  else refuseStrayMockOptions(options);

  const workspace = await openCliWorkspace(options.config, io, { onLog: options.verbose ? verboseSink(io.stderr) : undefined });
  if (workspace.config.file === null) {
    io.stderr.write(`keysync: no config at ${path.resolve(options.config)}; using the defaults (keysync --generate-data writes one with mock data)\n`);
  }
  const controller = new AbortController();
  const interrupt = () => {
    io.stderr.write('\nkeysync: stopping after the current step (Ctrl-C again to quit at once)\n');
    process.off('SIGINT', interrupt);
    controller.abort();
  };
  process.on('SIGINT', interrupt);
  const progress = createProgressView(io.stderr, Boolean(options.quiet || options.json));
  try {
    const result = await workspace.reconcile({
      mode: options.mode,
      dryRun: options.dryRun,
      autoApprove: options.autoApprove,
      resume: options.resume,
      outputDir: options.outputDir,
      signal: controller.signal,
      onProgress: (event) => {
        killForFaultTest(event.stage);
        progress.update(event);
      },
    });
    progress.stop();
    const reportDir = path.dirname(Object.values(result.reports)[0] ?? workspace.paths.output);
    io.stdout.write(options.json ? `${JSON.stringify({ summary: result.summary, reports: result.reports, timings: result.timings }, null, 2)}\n` : `${formatSummary(result.summary, reportDir)}\n`);
    if (options.failOnDiscrepancy && hasDiscrepancies(result.summary)) {
      if (comparedNothing(result.summary)) {
        io.stderr.write(`keysync: --fail-on-discrepancy: nothing was compared: ${whyNothingCompared(result.summary)} — fix the sources so a downstream system is read\n`);
      }
      process.exitCode = EXIT.discrepancies;
    }
  } finally {
    progress.stop();
    process.off('SIGINT', interrupt);
    await workspace.close();
  }
}

async function generate(options: RunCommandOptions, io: CliIo): Promise<void> {
  const result = await generateMockData({
    dir: path.dirname(path.resolve(options.config)),
    configPath: options.config,
    scenario: options.scenario,
    keys: options.keys,
    seed: options.seed,
    failures: options.injectFailures,
    force: options.force,
    into: options.into,
  });
  if (options.json || options.quiet) return;
  if (result.configWritten) io.stderr.write(`wrote ${result.configPath}\n`);
  const files = result.files.map((file) => `${file.system} ${formatCount(file.rows)} rows`).join(', ');
  io.stderr.write(`generated ${result.scenario} mock data (seed ${result.seed}): ${files}\n`);
}

function refuseStrayMockOptions(options: RunCommandOptions): void {
  const stray = (['scenario', 'keys', 'seed', 'injectFailures', 'force', 'into'] as const).filter((name) => options[name] !== undefined);
  if (stray.length) {
    const flags = stray.map((name) => `--${name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`).join(', ');
    throw new KeySyncError('USAGE', 'usage', `${flags} only apply with --generate-data.`, { remedy: 'add --generate-data, or drop them' });
  }
}

/**
 * Fault injection for the crash tests: with KEYSYNC_FAULT_KILL_AT=<stage>, the process
 * kills itself with SIGKILL the moment that stage starts — exactly at a stage boundary,
 * as no external timing could. Never set outside tests.
 */
function killForFaultTest(stage: string): void {
  if (process.env.KEYSYNC_FAULT_KILL_AT === stage) process.kill(process.pid, 'SIGKILL');
}
