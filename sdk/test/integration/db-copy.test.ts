/**
 * `keysync db copy` (docs/behaviour.md §7, §9): a SQLite registry with runs, decisions, a "not a
 * match" pair and an audit log goes to PostgreSQL and back, byte for byte the same rows; a non-empty target is
 * refused without --force; progress goes to stderr; no password is printed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { generateMockData, openWorkspace } from '../../src/index.js';
import { checkTables } from '../../src/store/copy.js';
import { nativeDriver } from '../../src/store/sqlite/drivers/native.js';
import { Store } from '../../src/store/store.js';
import { runCli } from '../helpers/cli.js';
import { testServer, type TestServer } from '../helpers/servers.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

describe('keysync db copy, SQLite ↔ PostgreSQL', function () {
  this.timeout(300_000);
  let server: TestServer;
  let workspace: TempWorkspace;
  let env: NodeJS.ProcessEnv;
  const url = (schema: string) => `postgres://${server.admin.user}@127.0.0.1:${server.port}/${server.database}?schema=${schema}`;

  before(async function () {
    server = await testServer('postgres', this);
    env = { PGPASSWORD: server.admin.password };
    workspace = tempWorkspace();
    writeFileSync(workspace.config, 'processing: { parallel: false }\nlogging: { file: null }\n');
    await generateMockData({ dir: workspace.dir, scenario: 'drift', keys: 6_000, seed: 12 });
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    // A "not a match" pair too: every table of the registry holds something to copy.
    const ws = await openWorkspace(workspace.config);
    try {
      const [entry] = await ws.registry.list({ limit: 1 });
      await ws.registry.notAMatch(entry!.normalizedKey, 'CUST-0000001', { actor: 'ana', reason: 'another customer' });
    } finally {
      await ws.close();
    }
    assert.equal((await runCli(['-c', workspace.config, 'approve', '--all', '--actor', 'ana'])).code, 0);
    assert.equal((await runCli(['-c', workspace.config, '-q', '--mode', 'incremental'])).code, 0);
  });
  after(() => workspace?.remove());

  const checks = async (open: () => Promise<Store>) => {
    const store = await open();
    try {
      return await store.read(checkTables);
    } finally {
      await store.close();
    }
  };

  it('copies to PostgreSQL and back, verified, with progress and without a password in any output', async () => {
    const schema = `copy_${process.pid}`;
    const there = await runCli(['db', 'copy', '--from', workspace.file('data/keysync.db'), '--to', url(schema)], { env });
    assert.equal(there.code, 0, there.stderr);
    assert.match(there.stderr, /\[copy\] audit_log: 0 \/ [\d,]+\n/);
    assert.match(there.stdout, /verified:\n {2}runs .* rows {2}checksum [0-9a-f]{16}\n/);
    const back = await runCli(['db', 'copy', '--from', url(schema), '--to', workspace.file('data/back.db')], { env });
    assert.equal(back.code, 0, back.stderr);

    const original = await checks(() => Store.open(workspace.file('data/keysync.db'), { driver: nativeDriver, readonly: true }));
    const inPostgres = await checks(() => Store.openPostgres({ url: server.url(server.admin), schema, readonly: true }));
    const returned = await checks(() => Store.open(workspace.file('data/back.db'), { driver: nativeDriver, readonly: true }));
    assert.ok(original.find((check) => check.table === 'master_keys')!.rows > 1000);
    assert.equal(original.find((check) => check.table === 'rejected_matches')?.rows, 1);
    assert.deepEqual(inPostgres, original);
    assert.deepEqual(returned, original);
    for (const output of [there.stdout, there.stderr, back.stdout, back.stderr]) for (const password of server.passwords) assert.ok(!output.includes(password));

    // The copy in PostgreSQL is a registry a workspace can use: decide there, then copy back over the file with --force.
    const refused = await runCli(['db', 'copy', '--from', url(schema), '--to', workspace.file('data/back.db')], { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /The target is not empty \(runs: \d+, master_keys: [\d,]+, audit_log: [\d,]+.*\); nothing was copied\. — copy into a new file or schema, or pass --force/);
    const forced = await runCli(['db', 'copy', '--from', url(schema), '--to', workspace.file('data/back.db'), '--force', '-q'], { env });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stderr, '');
  });
});
