/**
 * Undo: a person takes back their own last decision on a key, while it is still the last thing
 * that happened to it — through the SDK and the real CLI, on a real workspace.
 */
import assert from 'node:assert/strict';
import { isKeySyncError, openWorkspace, type Workspace } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

describe('undoing a decision', () => {
  let workspace: TempWorkspace;
  let keysync: Workspace;
  beforeEach(async () => {
    workspace = tempWorkspace('clean');
    keysync = await openWorkspace(workspace.config);
    await keysync.reconcile();
  });
  afterEach(async () => {
    await keysync.close();
    workspace.remove();
  });

  const status = async (key: string) => (await keysync.registry.list()).find((record) => record.masterKey === key)?.status;
  const refusal = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => assert.fail('expected a refusal'),
      (caught: unknown) => caught,
    );
    assert.ok(isKeySyncError(error));
    return error;
  };

  it('returns an approval to proposed, clears the activation and records the undo', async () => {
    await keysync.registry.approve('CUST-101', { actor: 'ana' });
    const record = await keysync.registry.undo('CUST-101', { actor: 'ana' });
    assert.equal(record.status, 'proposed');
    assert.equal(await status('CUST-101'), 'proposed');
    assert.equal((await keysync.registry.list()).find((entry) => entry.masterKey === 'CUST-101')?.activatedAt, null);
    const [undo] = await keysync.audit.list({ key: 'CUST-101', eventType: 'master_key_decision_undone' });
    assert.equal(undo?.actor, 'ana');
    assert.match(undo?.details ?? '', /active → proposed \(undoes master_key_approved #\d+\)/);
  });

  it('returns a rejection to proposed and a deprecation to active', async () => {
    await keysync.registry.reject('CUST-102', { actor: 'ana', reason: 'test key' });
    assert.equal((await keysync.registry.undo('CUST-102', { actor: 'ana' })).status, 'proposed');
    await keysync.registry.approve('CUST-101', { actor: 'ana' });
    await keysync.registry.deprecate('CUST-101', { actor: 'ana' });
    assert.equal((await keysync.registry.undo('CUST-101', { actor: 'ana' })).status, 'active');
  });

  it('is for the person who decided only, and only while nobody has decided the key since', async () => {
    await keysync.registry.approve('CUST-101', { actor: 'ana' });
    const byOther = await refusal(keysync.registry.undo('CUST-101', { actor: 'bob' }));
    assert.equal(byOther.code, 'UNDO_NOT_ALLOWED');
    assert.match(byOther.message, /ana’s, not bob’s/);
    await keysync.registry.deprecate('CUST-101', { actor: 'bob' });
    assert.equal((await refusal(keysync.registry.undo('CUST-101', { actor: 'ana' }))).code, 'UNDO_NOT_ALLOWED');
    assert.equal(await status('CUST-101'), 'deprecated', 'bob’s later decision stands');
  });

  it('refuses when the last event was not a decision (a fresh proposal, or an undo already)', async () => {
    assert.equal((await refusal(keysync.registry.undo('CUST-102', { actor: 'ana' }))).code, 'UNDO_NOT_ALLOWED');
    await keysync.registry.approve('CUST-102', { actor: 'ana' });
    await keysync.registry.undo('CUST-102', { actor: 'ana' });
    assert.equal((await refusal(keysync.registry.undo('CUST-102', { actor: 'ana' }))).code, 'UNDO_NOT_ALLOWED');
  });

  it('keysync undo: the CLI takes back the actor’s own decision, and exits 1 for anyone else’s', async () => {
    await keysync.close();
    assert.equal((await runCli(['-c', workspace.config, 'approve', 'CUST-101', '--actor', 'ana'])).code, 0);
    const other = await runCli(['-c', workspace.config, 'undo', 'CUST-101', '--actor', 'bob']);
    assert.equal(other.code, 1, other.stderr);
    assert.match(other.stderr, /Cannot undo the last decision on CUST-101/);
    const own = await runCli(['-c', workspace.config, 'undo', 'CUST-101', '--actor', 'ana']);
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, /CUST-101: proposed again/);
    keysync = await openWorkspace(workspace.config);
    assert.equal(await status('CUST-101'), 'proposed');
  });
});
