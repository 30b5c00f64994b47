/** The approval workflow and history commands: registry list, approve/reject/deprecate, link/unlink/not-a-match, runs, audit. */
import type { ReviewDecision } from '../core/lifecycle.js';
import type { MasterKeyStatus } from '../core/types.js';
import { KeySyncError } from '../errors.js';
import type { Workspace } from '../workspace.js';
import { describeForCli } from './describe-error.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { formatCount } from '../core/format.js';
import { formatRate, table, visibleCell } from './format.js';
import type { CliIo } from './io.js';
import { openCliWorkspace } from './open-workspace.js';

interface CommonOptions {
  readonly config: string;
  readonly json?: boolean;
}

async function withWorkspace<T>(options: CommonOptions, io: CliIo, work: (workspace: Workspace) => Promise<T>): Promise<T> {
  const workspace = await openCliWorkspace(options.config, io);
  try {
    return await work(workspace);
  } finally {
    await workspace.close();
  }
}

function print(io: CliIo, options: CommonOptions, json: unknown, text: () => string): void {
  io.stdout.write(options.json ? `${JSON.stringify(json, null, 2)}\n` : `${text()}\n`);
}

export async function registryListCommand(options: CommonOptions & { status?: MasterKeyStatus; limit?: number }, io: CliIo): Promise<void> {
  const records = await withWorkspace(options, io, (workspace) => workspace.registry.list({ status: options.status, limit: options.limit }));
  print(io, options, records, () =>
    records.length === 0
      ? 'No master keys match.'
      : table(
          ['ID', 'Master key', 'Key', 'Status', 'Strategy', 'Source', 'Source key', 'Changed by', 'Changed at'],
          records.map((record) => [
            String(record.id),
            record.masterKey,
            record.normalizedKey,
            record.status,
            record.strategy,
            record.sourceSystem,
            record.sourceKey,
            record.statusChangedBy,
            record.statusChangedAt,
          ]),
        ),
  );
}


interface DecideOptions extends CommonOptions {
  readonly actor: string;
  readonly reason?: string;
  readonly all?: boolean;
}

export async function decideCommand(action: ReviewDecision, keys: string[], options: DecideOptions, io: CliIo): Promise<void> {
  if (options.all && keys.length) throw usage('Give either keys or --all, not both.');
  if (!options.all && keys.length === 0) throw usage(`Name at least one key to ${action}${action === 'approve' ? ', or pass --all' : ''}.`);
  await withWorkspace(options, io, async (workspace) => {
    if (options.all) {
      const changed = await workspace.registry.approveAll({ actor: options.actor, reason: options.reason });
      print(io, options, { approved: changed }, () => `Approved ${formatCount(changed)} pending master keys as ${options.actor}.`);
      return;
    }
    const results = [];
    for (const key of keys) {
      try {
        const by = { actor: options.actor, reason: options.reason ?? '' };
        const record = await workspace.registry[action](key, by);
        results.push({ key, status: record.status, masterKey: record.masterKey });
        if (!options.json) io.stdout.write(`${visibleCell(record.masterKey)}: ${record.status} (by ${options.actor})\n`);
      } catch (error) {
        if (!(error instanceof KeySyncError)) throw error;
        results.push({ key, error: error.message, code: error.code });
        io.stderr.write(`keysync: ${key}: ${describeForCli(error)}\n`);
        process.exitCode ||= exitCodeFor(error);
      }
    }
    if (options.json) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
  });
}

export async function undoCommand(key: string, options: CommonOptions & { actor: string }, io: CliIo): Promise<void> {
  const record = await withWorkspace(options, io, (workspace) => workspace.registry.undo(key, { actor: options.actor }));
  print(io, options, record, () => `${visibleCell(record.masterKey)}: ${record.status} again (your last decision undone, by ${options.actor})`);
}

interface LinkOptions extends CommonOptions {
  readonly actor: string;
  readonly reason?: string;
  readonly to: string;
}

export async function linkCommand(key: string, options: LinkOptions, io: CliIo): Promise<void> {
  const record = await withWorkspace(options, io, (workspace) => workspace.registry.link(key, options.to, { actor: options.actor, reason: options.reason }));
  print(io, options, record, () => `${visibleCell(record.masterKey)}: linked to ${visibleCell(record.linkedTo ?? '')} (by ${options.actor})`);
}

export async function unlinkCommand(key: string, options: CommonOptions & { actor: string; reason?: string }, io: CliIo): Promise<void> {
  const record = await withWorkspace(options, io, (workspace) => workspace.registry.unlink(key, { actor: options.actor, reason: options.reason }));
  print(io, options, record, () => `${visibleCell(record.masterKey)}: ${record.status} again (link taken back by ${options.actor})`);
}

export async function notAMatchCommand(key: string, options: LinkOptions, io: CliIo): Promise<void> {
  const rejected = await withWorkspace(options, io, (workspace) => workspace.registry.notAMatch(key, options.to, { actor: options.actor, reason: options.reason }));
  print(io, options, rejected, () => `${visibleCell(rejected.normalizedKey)} is not ${visibleCell(rejected.authorityKey)}: it will not be suggested again (recorded by ${rejected.rejectedBy})`);
}

export async function renormalizeCommand(options: CommonOptions & { actor: string; dryRun?: boolean }, io: CliIo): Promise<void> {
  const plan = await withWorkspace(options, io, (workspace) => workspace.registry.renormalize({ actor: options.actor, dryRun: options.dryRun }));
  const would = options.dryRun ? 'would be ' : '';
  print(io, options, plan, () =>
    [
      ...plan.moves.map((move) => `${visibleCell(move.masterKey)}: ${visibleCell(move.from)} → ${visibleCell(move.to)}`),
      ...plan.superseded.map((entry) => `${visibleCell(entry.masterKey)}: proposal for ${visibleCell(entry.key)} ${would}superseded by entry #${entry.byId}`),
      ...plan.collisions.map((collision) => `collision on ${visibleCell(collision.key)}: ${collision.entries.map((entry) => `${visibleCell(entry.masterKey)} (${entry.status})`).join(', ')}`),
      `${formatCount(plan.moves.length)} entries ${would}re-keyed, ${formatCount(plan.superseded.length)} proposals ${would}superseded, ${formatCount(plan.collisions.length)} collisions.`,
    ].join('\n'),
  );
  if (options.dryRun && plan.collisions.length) process.exitCode = EXIT.failed;
}

export async function runsCommand(options: CommonOptions & { limit: number }, io: CliIo): Promise<void> {
  const runs = await withWorkspace(options, io, (workspace) => workspace.runs.list({ limit: options.limit }));
  print(io, options, runs, () =>
    runs.length === 0
      ? 'No runs yet.'
      : table(
          ['Run', 'Started', 'Mode', 'Status', 'Match', 'Gaps', 'Out of A', 'Proposed', 'Error'],
          runs.map((run) => [
            run.id,
            run.startedAt,
            run.mode,
            run.status,
            run.summary ? formatRate(run.summary.totals.overallMatchRate) : '',
            run.summary ? formatCount(run.summary.totals.propagationGaps) : '',
            run.summary ? formatCount(run.summary.totals.keysMissingInAuthority) : '',
            run.summary ? formatCount(run.summary.registry.proposed) : '',
            run.error ?? '',
          ]),
        ),
  );
}

export async function auditCommand(options: CommonOptions & { run?: string; key?: string; limit?: number }, io: CliIo): Promise<void> {
  const events = await withWorkspace(options, io, (workspace) => workspace.audit.list({ runId: options.run, key: options.key, limit: options.limit }));
  print(io, options, events, () =>
    events.length === 0
      ? 'No audit events match.'
      : table(
          ['ID', 'Timestamp', 'Event', 'Actor', 'System', 'Key', 'Result', 'Details'],
          events.map((event) => [
            String(event.id),
            event.timestamp,
            event.eventType,
            event.actor,
            event.system ?? '',
            event.key ?? '',
            event.result,
            event.details,
          ]),
        ),
  );
}

function usage(message: string): KeySyncError {
  return new KeySyncError('USAGE', 'usage', message, { remedy: 'see keysync --help' });
}
