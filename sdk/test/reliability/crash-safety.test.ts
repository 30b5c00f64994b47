/**
 * Crash safety: the CLI is SIGKILLed at random moments of runs and approvals (at least 50
 * kills that land). After each kill the database passes integrity_check; after resuming or
 * repeating the operation, the registry and audit log equal a twin workspace that ran the
 * same operations without interruption.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import prand from 'pure-rand';
import { generateMockData } from '../../src/index.js';
import { CLI, runCli } from '../helpers/cli.js';
import { queryWorkspace } from '../helpers/database.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

const KILLS_REQUIRED = 50;
const MAX_OPERATIONS = 160;

type Operation = { readonly kind: 'run'; readonly autoApprove: boolean } | { readonly kind: 'approve' } | { readonly kind: 'change'; readonly salt: number };

/** What a clean history determines: the registry and every non-run audit event, in order. */
function durableState(workspace: TempWorkspace) {
  return {
    registry: queryWorkspace(workspace, 'select id, normalized_key, master_key, status, status_changed_by from master_keys order by id'),
    events: queryWorkspace(workspace, "select event_type, key, result, actor from audit_log where event_type not like 'run_%' order by id"),
  };
}

/** The pending key an approval acts on: the same in both workspaces, whose registries match. */
function nextPendingKey(workspace: TempWorkspace): string | undefined {
  if (!existsSync(workspace.file('data/keysync.db'))) return undefined;
  return queryWorkspace<{ master_key: string }>(workspace, "select master_key from master_keys where status = 'proposed' order by id limit 1")[0]?.master_key;
}

function argsFor(operation: Operation, workspace: TempWorkspace, key: string | undefined): string[] | undefined {
  if (operation.kind === 'run') return ['-c', workspace.config, '-q', ...(operation.autoApprove ? ['--auto-approve'] : [])];
  if (operation.kind === 'approve') return key ? ['approve', key, '-c', workspace.config, '--actor', 'crash-test'] : undefined;
  return undefined;
}

/** Renames a few of B's keys so the next run has new proposals to make. */
function changeInput(workspace: TempWorkspace, salt: number): void {
  const file = workspace.file('input/B.csv');
  const [header, ...rows] = readFileSync(file, 'utf8').trimEnd().split('\n');
  const changed = rows.map((row, i) => (i % 97 === salt % 97 ? row.replace(/^[^,]*/, `CRASH-${salt}-${i}`) : row));
  writeFileSync(file, `${header}\n${changed.join('\n')}\n`);
}

/** Starts the CLI and SIGKILLs it after `delayMs`; true when the kill landed before it finished. */
function runAndKill(args: readonly string[], delayMs: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), delayMs);
    child.on('error', reject);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      resolve(signal === 'SIGKILL');
    });
  });
}

describe('crash safety: SIGKILL at random points of runs and approvals', function () {
  this.timeout(900_000);
  let reference: TempWorkspace;
  let crashed: TempWorkspace;

  before(async () => {
    reference = tempWorkspace();
    writeFileSync(reference.config, 'provisioning: { strategy: mirror }\nprocessing: { parallel: false }\nlogging: { file: null }\n');
    await generateMockData({ dir: reference.dir, scenario: 'drift', keys: 4000, seed: 3 });
    crashed = tempWorkspace();
    cpSync(reference.dir, crashed.dir, { recursive: true });
  });
  after(() => {
    reference.remove();
    crashed.remove();
  });

  it(`survives ${KILLS_REQUIRED}+ kills with a sound database and a history equal to an uninterrupted one`, async () => {
    const random = prand.xoroshiro128plus(20261128);
    const pick = (bound: number) => prand.unsafeUniformIntDistribution(0, bound - 1, random);
    let kills = 0;
    let operations = 0;
    for (; kills < KILLS_REQUIRED && operations < MAX_OPERATIONS; operations++) {
      const roll = pick(10);
      const operation: Operation =
        operations === 0 || roll < 5 ? { kind: 'run', autoApprove: roll === 4 } : roll < 8 ? { kind: 'approve' } : { kind: 'change', salt: operations };
      if (operation.kind === 'change') {
        changeInput(reference, operation.salt);
        changeInput(crashed, operation.salt);
        continue;
      }
      const key = nextPendingKey(reference);
      const referenceArgs = argsFor(operation, reference, key);
      if (!referenceArgs) continue;
      assert.equal((await runCli(referenceArgs)).code, 0);

      const completedBefore = completedRuns(crashed);
      const killed = await runAndKill(argsFor(operation, crashed, key)!, 20 + pick(320));
      if (killed) kills++;
      if (existsSync(crashed.file('data/keysync.db'))) {
        const [integrity] = queryWorkspace<{ integrity_check: string }>(crashed, 'pragma integrity_check');
        assert.equal(integrity?.integrity_check, 'ok', `integrity after kill ${kills}`);
      }
      await complete(operation, crashed, key, completedBefore);
      assert.deepEqual(durableState(crashed), durableState(reference), `state after operation ${operations} (${operation.kind}, killed: ${killed})`);
    }
    assert.ok(kills >= KILLS_REQUIRED, `${kills} kills landed in ${operations} operations`);
    console.log(`      (${kills} kills landed in ${operations} operations; every state matched the uninterrupted twin)`);
  });
});

/** Finishes an operation that may have been killed: resume or rerun a run, repeat an approval. */
async function complete(operation: Operation, workspace: TempWorkspace, key: string | undefined, completedBefore: number): Promise<void> {
  if (operation.kind === 'approve') {
    const [row] = queryWorkspace<{ status: string }>(workspace, 'select status from master_keys where master_key = ' + sqlString(key!));
    if (row?.status === 'proposed') assert.equal((await runCli(argsFor(operation, workspace, key)!)).code, 0);
    return;
  }
  // The kill came after the commit: the run is complete.
  if (completedRuns(workspace) > completedBefore) return;
  // Killed after its row was written, the run is resumed; killed before, it is simply repeated.
  const [latest] = existsSync(workspace.file('data/keysync.db'))
    ? queryWorkspace<{ status: string }>(workspace, 'select status from runs order by started_at desc, id desc limit 1')
    : [];
  const resume = latest !== undefined && latest.status !== 'completed';
  const flags = operation.kind === 'run' && operation.autoApprove ? ['--auto-approve'] : [];
  const result = await runCli(['-c', workspace.config, '-q', ...(resume ? ['--resume'] : []), ...flags]);
  assert.equal(result.code, 0, result.stderr);
}

function completedRuns(workspace: TempWorkspace): number {
  if (!existsSync(workspace.file('data/keysync.db'))) return 0;
  return queryWorkspace<{ n: number }>(workspace, "select count(*) as n from runs where status = 'completed'")[0]!.n;
}

const sqlString = (text: string) => `'${text.replaceAll("'", "''")}'`;
