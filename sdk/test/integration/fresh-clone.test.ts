/**
 * The README's commands as a new user runs them, in a fresh copy of the repository: the
 * files git tracks plus the new ones it does not ignore, as they are in the working tree (so
 * uncommitted work is what is tested; `git clone` would see the last commit only), then a
 * real `npm ci` and the real workspace bin link that `npx keysync` goes through.
 *
 * `npm ci --ignore-scripts` skips compiling better-sqlite3 from source (minutes on two
 * cores); the README commands that open a database use this machine's compiled copy of the
 * native module instead. Everything else — the lock file, the bin link, the build, the
 * launcher — is the clone's own.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runProcess, type CliResult } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/workspace.js';

function copyWorkingTree(into: string): void {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    const from = path.join(REPO_ROOT, file);
    // Deleted but not yet committed; or a link into the machine (the VS Code harness's node_modules).
    if (!existsSync(from) || lstatSync(from).isSymbolicLink()) continue;
    mkdirSync(path.dirname(path.join(into, file)), { recursive: true });
    copyFileSync(from, path.join(into, file));
  }
}

describe('a fresh clone: the README commands as written (slow: npm ci)', function () {
  this.timeout(10 * 60_000);
  let clone: string;
  const npm = (args: string[]): Promise<CliResult> => runProcess('npm', args, { cwd: clone, timeoutMs: 8 * 60_000 });
  const npx = (args: string[]): Promise<CliResult> => runProcess('npx', ['--no-install', ...args], { cwd: clone, timeoutMs: 60_000 });

  before(async () => {
    clone = mkdtempSync(path.join(os.tmpdir(), 'keysync-clone-'));
    copyWorkingTree(clone);
    const install = await npm(['ci', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund']);
    assert.equal(install.code, 0, install.stderr);
  });
  after(() => rmSync(clone, { recursive: true, force: true }));

  it('links `keysync` at install time, to a committed launcher that says how to build when nothing is built yet', async () => {
    const link = path.join(clone, 'node_modules/.bin/keysync');
    assert.ok(existsSync(link), 'npm ci linked node_modules/.bin/keysync');
    assert.equal(realpathSync(link), path.join(realpathSync(clone), 'sdk/bin/keysync.js'));
    const before = await npx(['keysync', '--help']);
    assert.equal(before.code, 1, before.stderr);
    assert.match(before.stderr, /^keysync: the CLI is not built yet \(.*sdk\/dist\/cli\.js is missing\) — run `npm run build` \(or `npm start`\) in the repository first\n$/);
  });

  it('runs every README set-up and CLI command: npm start, npx keysync, node sdk/dist/cli.js, config check', async () => {
    // The native module, compiled for this machine (see the note at the top).
    const native = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
    mkdirSync(path.dirname(path.join(clone, native)), { recursive: true });
    copyFileSync(path.join(REPO_ROOT, native), path.join(clone, native));

    const start = await npm(['start']);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /Overall match rate 80\.00%/);

    const version = JSON.parse(readFileSync(path.join(clone, 'sdk/package.json'), 'utf8')).version as string;
    for (const command of [
      ['npx', 'keysync', '--help'],
      ['node', 'sdk/dist/cli.js', '--help'],
      ['npx', 'keysync', '--version'],
      ['npx', 'keysync', 'config', 'check'],
      ['npx', 'keysync', 'registry', 'list', '--status', 'proposed', '--limit', '3'],
      ['npx', 'keysync', 'runs'],
      ['npx', 'keysync', '--dry-run', '-q'],
    ]) {
      const [program, ...args] = command as [string, ...string[]];
      const result = program === 'npx' ? await npx(args) : await runProcess(process.execPath, args, { cwd: clone });
      assert.equal(result.code, 0, `${command.join(' ')}: ${result.stderr}`);
      if (command.includes('--help')) assert.match(result.stdout, /^Usage: keysync \[options\] \[command\]/, command.join(' '));
      if (command.includes('--version')) assert.equal(result.stdout.trim(), version);
    }
  });
});
