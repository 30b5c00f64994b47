/** The README's SDK example must run as written, against the built package. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/workspace.js';

describe('README SDK example', function () {
  const scratch = path.join(REPO_ROOT, '.test-artifacts', 'readme-example');
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('runs as written and prints a run id, a match rate and the audit count', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const block = /## The SDK\s+```js\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, 'the README has a js block under "## The SDK"');
    // Inside the repo, so `@keysync/sdk` resolves through the npm workspace link.
    mkdirSync(scratch, { recursive: true });
    const script = path.join(scratch, 'example.mjs');
    writeFileSync(script, block);
    const result = spawnSync(process.execPath, [script], { encoding: 'utf8', cwd: scratch });
    assert.equal(result.status, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0]!, /^\d{8}T\d{6}Z(-\d+)?-[a-z0-9]{4} 0\.6\d* \/.*master_key_registry_\d{8}T\d{6}Z(-\d+)?\.csv$/);
    assert.match(lines[1]!, /^\d+ audit events in run /);
    assert.equal(lines[2], 'CUST-0001234 TXN-002024-000001');
    assert.match(result.stderr, /\[read\] reading sources/);
  });
});
