/**
 * The `keysync` command line (docs/behaviour.md §9): the earlier tool's options, same names, with no
 * subcommand meaning "run a reconciliation"; plus the approval workflow as subcommands.
 * Everything here goes through the public API.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import os from 'node:os';
import { CONFIG_FILE_NAME } from '../config/load.js';
import { SCENARIO_NAMES } from '../config/schema.js';
import { MASTER_KEY_STATUSES, RUN_MODES } from '../core/types.js';
import { FAILURE_INJECTIONS } from '../mock/scenarios.js';
import { isWholeNumberIn, WHOLE_NUMBERS, wholeNumberRule, type WholeNumberRange } from '../whole-numbers.js';
import { configCheckCommand } from './config-command.js';
import { planCommand } from './plan-command.js';
import { dbCopyCommand } from './db-command.js';
import { auditCommand, decideCommand, linkCommand, notAMatchCommand, undoCommand, unlinkCommand, registryListCommand, renormalizeCommand, runsCommand } from './registry-commands.js';
import type { CliIo } from './io.js';
import { runCommand } from './run-command.js';
import { unlockCommand } from './unlock-command.js';

/** A whole-number option in its range; digits only, so "1e3", "-1" and "0x10" are refused. */
const wholeNumber = (name: string, range: WholeNumberRange) => (value: string) => {
  if (!/^\d+$/.test(value) || !isWholeNumberIn(Number(value), range)) throw new InvalidArgumentError(`${name} must be ${wholeNumberRule(range)}.`);
  return Number(value);
};
const LIST_LIMIT: WholeNumberRange = { ...WHOLE_NUMBERS.limit, min: 1 };
const failureList = (value: string) => {
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  const unknown = items.filter((item) => !(FAILURE_INJECTIONS as readonly string[]).includes(item));
  if (unknown.length) throw new InvalidArgumentError(`unknown: ${unknown.join(', ')} (choose from ${FAILURE_INJECTIONS.join(', ')})`);
  return items;
};

function defaultActor(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'unknown';
  }
}

const actorOption = () => new Option('--actor <name>', 'who is acting, for the registry and the audit log').default(defaultActor(), 'your user name');

export function buildProgram(io: CliIo, version: string): Command {
  const program = new Command('keysync')
    .description('Reconcile record keys across systems: propagation gaps, out-of-authority keys, duplicates and a registry of master keys.\nWith no command, runs a reconciliation.')
    // Throw rather than exit, so main() maps a usage error to exit 2. Set before any
    // subcommand is added: subcommands copy it when they are created, not later.
    .exitOverride()
    .version(version, '--version', 'print the version')
    .helpOption('-h, --help', 'show help')
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(run keysync --help for usage)')
    // Global: accepted before or after a command (`keysync approve K -c ws/keysync-config.yaml`).
    .addOption(new Option('-c, --config <path>', 'path to keysync-config.yaml').default(CONFIG_FILE_NAME))
    .addOption(new Option('-m, --mode <mode>', 'full or incremental (overrides processing.mode)').choices(RUN_MODES))
    .option('--dry-run', 'compute and report everything, change nothing persistent')
    .option('--auto-approve', 'activate every pending proposal for keys seen in this run')
    .option('--resume', 'continue the newest run that did not complete (killed, failed or cancelled), under its id')
    .option('-o, --output-dir <dir>', 'write reports here (overrides output.directory)')
    .option('--fail-on-discrepancy', 'exit 3 when the run finds gaps, out-of-authority keys, duplicates or bad rows')
    .option('--generate-data', 'write mock data for every configured source, then run on it')
    .option('--force', "with --generate-data: also overwrite source files that are not KeySync's own mock data")
    .option('--into <file.db|url>', 'with --generate-data: write the systems as tables into this SQLite file or PostgreSQL database (postgres://user@host/db; password from PGPASSWORD or ~/.pgpass), and a config reading them')
    .addOption(new Option('--scenario <name>', 'mock-data scenario').choices(SCENARIO_NAMES))
    .option('--keys <n>', 'mock data: keys in the authority', wholeNumber('--keys', WHOLE_NUMBERS.mockKeys))
    .option('--seed <n>', 'mock data: random seed', wholeNumber('--seed', WHOLE_NUMBERS.seed))
    .option('--inject-failures <list>', `mock data: comma-separated faults (${FAILURE_INJECTIONS.join(', ')})`, failureList)
    .option('--json', 'print machine-readable JSON instead of text')
    .option('-q, --quiet', 'no progress output')
    .option('-v, --verbose', 'print log lines and error details')
    .addHelpText(
      'after',
      `
Examples:
  keysync --generate-data --scenario drift --keys 10000   mock data, then a run
  keysync --generate-data --into data/mock.db             mock data as SQLite tables, then a run
  keysync --generate-data --into postgres://me@db/demo    mock data as PostgreSQL tables, then a run
  keysync -c ./keysync-config.yaml --dry-run               see what a run would do
  keysync registry list --status proposed                  what awaits review
  keysync approve CUST-0001234 --actor ana                 approve a master key
  keysync reject CUST-0009999 --reason "test key"          reject one, with a reason
  keysync link CUST-001234 --to CUST-0001234               a mistyped key: link it to its A key

Exit codes: 0 done · 1 the run failed · 2 usage or config error · 3 discrepancies found (--fail-on-discrepancy)`,
    )
    .action((options) => runCommand(options, io));

  const registry = program.command('registry').description('the registry of master keys');
  registry
    .command('list')
    .description('list master keys')
    .addOption(new Option('--status <status>', 'only this status').choices(MASTER_KEY_STATUSES))
    .option('--limit <n>', 'at most this many', wholeNumber('--limit', LIST_LIMIT))
    .action((_options, command: Command) => registryListCommand(command.optsWithGlobals(), io));

  registry
    .command('renormalize')
    .description('re-key the registry under the current normalisation rules (after changing them); --dry-run shows what would change')
    .addOption(actorOption())
    .action((_options, command: Command) => renormalizeCommand(command.optsWithGlobals(), io));

  for (const [action, summary] of [
    ['approve', 'approve proposed master keys (proposed → active)'],
    ['reject', 'reject proposed master keys (proposed → rejected); needs --reason'],
    ['deprecate', 'deprecate active master keys (active → deprecated)'],
  ] as const) {
    const command = program
      .command(`${action} [keys...]`)
      .description(`${summary}; a key is a master key or a normalised key`)
      .addOption(actorOption())
      .option('--reason <text>', 'why; kept in the audit log');
    if (action === 'approve') command.option('--all', 'approve every pending proposal');
    command.action((keys: string[], _options, self: Command) => decideCommand(action, keys, self.optsWithGlobals(), io));
  }

  program
    .command('link <key>')
    .description('link a proposed key to the authority key it should be (proposed → linked; see probable_matches_<stamp>.csv)')
    .requiredOption('--to <authorityKey>', 'the authority (A) key')
    .addOption(actorOption())
    .option('--reason <text>', 'why; kept in the audit log')
    .action((key: string, _options, self: Command) => linkCommand(key, self.optsWithGlobals(), io));

  program
    .command('unlink <key>')
    .description('take a link back (linked → proposed)')
    .addOption(actorOption())
    .option('--reason <text>', 'why; kept in the audit log')
    .action((key: string, _options, self: Command) => unlinkCommand(key, self.optsWithGlobals(), io));

  program
    .command('not-a-match <key>')
    .description('record that a key is not the authority key suggested for it; the pair is not suggested again')
    .requiredOption('--to <authorityKey>', 'the suggested authority (A) key')
    .addOption(actorOption())
    .option('--reason <text>', 'why; kept in the audit log')
    .action((key: string, _options, self: Command) => notAMatchCommand(key, self.optsWithGlobals(), io));

  program
    .command('undo <key>')
    .description('take back your last decision on a key, while nobody has decided it since')
    .addOption(actorOption())
    .action((key: string, _options, self: Command) => undoCommand(key, self.optsWithGlobals(), io));

  program
    .command('runs')
    .description('show recent runs, newest first')
    .option('--limit <n>', 'at most this many', wholeNumber('--limit', LIST_LIMIT), 20)
    .action((_options, command: Command) => runsCommand(command.optsWithGlobals(), io));

  program
    .command('audit')
    .description('show the audit log')
    .option('--run <id>', 'only events of this run')
    .option('--key <key>', 'only events about this normalised key')
    .option('--limit <n>', 'at most this many', wholeNumber('--limit', LIST_LIMIT))
    .action((_options, command: Command) => auditCommand(command.optsWithGlobals(), io));

  program
    .command('config')
    .description('the workspace config')
    .command('check')
    .description('validate the config and print it as a run uses it (defaults applied, paths resolved), with every warning')
    .action((_options, command: Command) => configCheckCommand(command.optsWithGlobals(), io));

  program
    .command('db')
    .description('the registry database')
    .command('copy')
    .description('copy the registry, audit log and run history between a SQLite file and PostgreSQL, either way, and verify the copy')
    .requiredOption('--from <path|url>', 'a SQLite file, or postgres://user@host:port/db?schema=keysync')
    .requiredOption('--to <path|url>', 'a SQLite file, or postgres://user@host:port/db?schema=keysync')
    .option('--force', 'replace what the target holds (refused otherwise)')
    .action((_options, command: Command) => dbCopyCommand(command.optsWithGlobals(), io));

  program
    .command('plan')
    .description('print the SQL the duckdb or postgres engine runs for this workspace (processing.engine: duckdb or postgres), for review; runs nothing')
    .option('--sql', 'print the SQL')
    .action((_options, command: Command) => planCommand(command.optsWithGlobals(), io));

  program
    .command('unlock')
    .description('show who holds the workspace’s locks; remove one whose holder is gone (another host, a stopped container)')
    .option('--yes', 'do not ask for confirmation')
    .action((_options, command: Command) => unlockCommand(command.optsWithGlobals(), io));

  return program;
}
