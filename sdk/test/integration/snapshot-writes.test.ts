/**
 * When snapshot files are written (docs/decisions.md §10): each source's as its read arrives,
 * while the read workers still read the other sources; and a write that fails part way
 * fails the run and leaves none of the files the run wrote. Real workspace, real files: the
 * failing write meets a directory where its temp file goes.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateMockData, openWorkspace, type ProgressEvent } from '../../src/index.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

describe('snapshot files written as each source is read', function () {
  this.timeout(120_000);
  let workspace: TempWorkspace;
  let folder: string;

  before(async () => {
    workspace = tempWorkspace();
    // ≈ 26 MB over five files in two workers: each source reports rows as it goes.
    await generateMockData({ dir: workspace.dir, scenario: 'drift', keys: 200_000, seed: 5 });
    writeFileSync(workspace.config, readFileSync(workspace.config, 'utf8').replace(/parallel: (true|false)/, 'parallel: true').replace(/max_workers: \d+/, 'max_workers: 2'));
    folder = workspace.file('data/keysync.db.snapshots');
  });
  after(() => workspace.remove());

  const snapshotFiles = () => (existsSync(folder) ? readdirSync(folder).filter((name) => name.endsWith('.ksnap') && statSync(path.join(folder, name)).isFile()).sort() : []);
  const snapshotOf = (event: ProgressEvent) => /^keeping a snapshot of (\S+),/.exec(event.message)?.[1];

  it('writes a source snapshot before the other sources are read, and one per source by the end', async () => {
    const events: { readonly message: string; readonly filesOnDisk: number }[] = [];
    const ws = await openWorkspace(workspace.config);
    try {
      await ws.reconcile({ onProgress: (event) => event.stage === 'read' && events.push({ message: event.message, filesOnDisk: snapshotFiles().length }) });
    } finally {
      await ws.close();
    }
    const firstSnapshot = events.findIndex((event) => /^keeping a snapshot of /.test(event.message));
    assert.ok(firstSnapshot > 0, events.map((event) => event.message).join('\n'));
    const readingAfter = events.slice(firstSnapshot + 1).filter((event) => /^reading [A-E]:/.test(event.message));
    assert.ok(readingAfter.length > 0, `sources still reading after the first snapshot:\n${events.map((event) => event.message).join('\n')}`);
    assert.ok(readingAfter[0]!.filesOnDisk >= 1, 'the first snapshot file is on disk while another source is still read');
    assert.equal(snapshotFiles().length, 5);
  });

  it('fails the run on a snapshot write that fails part way, and removes the snapshot files it wrote', async () => {
    // The files the next run writes have the same names (same files, same settings).
    const names = new Map(snapshotFiles().map((name) => [name.replace(/-[0-9a-f]{16}\.ksnap$/, ''), name]));
    assert.equal(names.size, 5);
    for (const name of names.values()) rmSync(path.join(folder, name));
    let obstacle: string | undefined;
    const started: string[] = [];
    const onProgress = (event: ProgressEvent) => {
      const system = snapshotOf(event);
      if (!system) return;
      started.push(system);
      // The second write finds a directory where its temp file goes, as a disk fault would stop it.
      if (started.length === 2) {
        obstacle = path.join(folder, `.${names.get(system)}.${process.pid}.tmp`);
        mkdirSync(obstacle);
      }
    };
    const ws = await openWorkspace(workspace.config);
    try {
      await assert.rejects(ws.reconcile({ onProgress }), { code: 'EISDIR' });
      const [run] = await ws.runs.list({ limit: 1 });
      assert.equal(run!.status, 'failed');
      assert.match(run!.error ?? '', /EISDIR/);
    } finally {
      await ws.close();
    }
    assert.equal(started.length, 2, `the run stopped at the failed write: ${started.join(', ')}`);
    assert.deepEqual(snapshotFiles(), [], 'the first snapshot written is gone with the failed run');
    assert.deepEqual(readdirSync(folder), [path.basename(obstacle!)], 'nothing else left behind');
    rmSync(obstacle!, { recursive: true });
  });
});
