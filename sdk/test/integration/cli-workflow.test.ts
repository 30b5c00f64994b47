/**
 * Run-over-run behaviour through the real CLI: idempotent proposals, dry runs, the
 * approval workflow, auto-approve, resolution and exit codes (docs/behaviour.md §5, §6, §9).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

function registry(workspace: TempWorkspace): { master_key: string; normalized_key: string; status: string }[] {
  const db = new Database(workspace.file('data/keysync.db'), { readonly: true });
  try {
    return db.prepare('select master_key, normalized_key, status from master_keys order by id').all() as never;
  } finally {
    db.close();
  }
}

function registryRow(workspace: TempWorkspace, key: string): { status: string; status_changed_at: string } {
  const db = new Database(workspace.file('data/keysync.db'), { readonly: true });
  try {
    return db.prepare('select status, status_changed_at from master_keys where normalized_key = ?').get(key) as never;
  } finally {
    db.close();
  }
}

function sha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function setConfig(workspace: TempWorkspace, replace: [string, string][]): void {
  let text = readFileSync(workspace.config, 'utf8');
  for (const [from, to] of replace) text = text.replace(from, to);
  writeFileSync(workspace.config, text);
}

describe('keysync CLI run over run (docs/behaviour.md §5, §9)', function () {
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = tempWorkspace('clean')));
  afterEach(() => workspace.remove());

  for (const [strategy, pattern] of [
    ['mirror', /^CUST-10[12]$/],
    ['namespaced', /^MASTER-[BC]-CUST-10[12]$/],
    ['surrogate', /^MK-[2-9A-HJ-NP-Z]{10}$/],
  ] as const) {
    it(`proposes nothing new on a rerun of the same data with the ${strategy} strategy`, async () => {
      writeFileSync(workspace.config, `${readFileSync(workspace.config, 'utf8')}provisioning: { strategy: ${strategy} }\n`);
      const first = await runCli(['-c', workspace.config, '--json']);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(JSON.parse(first.stdout).summary.registry.proposed, 2);
      const afterFirst = registry(workspace);
      assert.equal(afterFirst.length, 2);
      for (const row of afterFirst) assert.match(row.master_key, pattern);

      const second = await runCli(['-c', workspace.config, '--json']);
      assert.equal(second.code, 0, second.stderr);
      assert.equal(JSON.parse(second.stdout).summary.registry.proposed, 0);
      assert.deepEqual(registry(workspace), afterFirst, 'the registry is unchanged by the rerun');
    });
  }

  it('writes namespaced master keys as <prefix>-<system>-<key> with the configured prefix', async () => {
    writeFileSync(workspace.config, `${readFileSync(workspace.config, 'utf8')}provisioning: { strategy: namespaced, namespace_prefix: ACME }\n`);
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    assert.deepEqual(registry(workspace).map((row) => row.master_key), ['ACME-B-CUST-101', 'ACME-C-CUST-102']);
  });

  it('leaves the database file byte-identical on a dry run and names its reports dry-run', async () => {
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    const database = workspace.file('data/keysync.db');
    const before = sha256(database);
    writeFileSync(workspace.file('input/B.csv'), 'key\nCUST-001\nCUST-555\n');
    const dry = await runCli(['-c', workspace.config, '--dry-run', '--json']);
    assert.equal(dry.code, 0, dry.stderr);
    const { summary, reports } = JSON.parse(dry.stdout);
    assert.equal(summary.dryRun, true);
    assert.equal(summary.registry.proposed, 1, 'CUST-555 would be proposed');
    assert.equal(sha256(database), before);
    assert.ok(Object.values(reports as Record<string, string>).every((file) => /_dry-run_\d{8}T\d{6}Z(-\d+)?\.csv$/.test(file)));
    const registryReport = readFileSync(reports.master_key_registry, 'utf8');
    assert.match(registryReport, /^dry-run,CUST-555,B,CUST-555,proposed,mirror,/m);
  });

  it('creates no database at all on a dry run in a fresh workspace', async () => {
    const dry = await runCli(['-c', workspace.config, '--dry-run', '-q']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.equal(existsSync(workspace.file('data')), false);
  });

  it('moves a proposal to active, refuses to reject it afterwards, and records both actors in the audit log', async () => {
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    const approve = await runCli(['approve', 'CUST-101', '-c', workspace.config, '--actor', 'ana']);
    assert.equal(approve.code, 0, approve.stderr);
    assert.equal(approve.stdout, 'CUST-101: active (by ana)\n');

    const reject = await runCli(['reject', 'CUST-101', '-c', workspace.config, '--actor', 'bo', '--reason', 'late']);
    assert.equal(reject.code, 1);
    assert.match(reject.stderr, /Cannot reject master key CUST-101: it is active, and only proposed keys can be rejected/);

    const noReason = await runCli(['reject', 'CUST-102', '-c', workspace.config]);
    assert.equal(noReason.code, 2);
    assert.match(noReason.stderr, /needs a reason/);

    const rejected = await runCli(['reject', 'CUST-102', '-c', workspace.config, '--actor', 'bo', '--reason', 'test key']);
    assert.equal(rejected.code, 0, rejected.stderr);
    const deprecate = await runCli(['deprecate', 'CUST-102', '-c', workspace.config]);
    assert.equal(deprecate.code, 1, 'a rejected key cannot be deprecated');
    assert.equal((await runCli(['deprecate', 'CUST-101', '-c', workspace.config, '--actor', 'cy'])).code, 0);

    const audit = JSON.parse((await runCli(['audit', '-c', workspace.config, '--json'])).stdout) as { eventType: string; actor: string; key: string; details: string }[];
    const decisions = audit.filter((event) => ['master_key_approved', 'master_key_rejected', 'master_key_deprecated'].includes(event.eventType));
    assert.deepEqual(
      decisions.map((event) => [event.eventType, event.key, event.actor]),
      [
        ['master_key_approved', 'CUST-101', 'ana'],
        ['master_key_rejected', 'CUST-102', 'bo'],
        ['master_key_deprecated', 'CUST-101', 'cy'],
      ],
    );
    assert.match(decisions[1]!.details, /\(test key\)/);
    assert.deepEqual(registry(workspace).map((row) => row.status), ['deprecated', 'rejected']);
  });

  it('says which key is unknown (exit 2) and still applies the others', async () => {
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    const result = await runCli(['approve', 'NOPE-1', 'CUST-102', '-c', workspace.config]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /NOPE-1: No master key or normalised key "NOPE-1"/);
    assert.deepEqual(registry(workspace).map((row) => row.status), ['proposed', 'active']);
  });

  it('auto-approves every pending proposal for keys seen in this run, including earlier runs’ proposals', async () => {
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    const auto = await runCli(['-c', workspace.config, '--auto-approve', '--json']);
    assert.equal(auto.code, 0, auto.stderr);
    assert.equal(JSON.parse(auto.stdout).summary.registry.autoApproved, 2);
    assert.deepEqual(registry(workspace).map((row) => row.status), ['active', 'active']);
    const audit = JSON.parse((await runCli(['audit', '-c', workspace.config, '--json'])).stdout) as { eventType: string; actor: string }[];
    assert.equal(audit.filter((event) => event.eventType === 'master_key_approved' && event.actor === 'auto-approve').length, 2);
  });

  it('marks a proposal resolved once its key appears in the authority', async () => {
    assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    writeFileSync(workspace.file('input/A.csv'), `${readFileSync(workspace.file('input/A.csv'), 'utf8')}CUST-101,now known\n`);
    const rerun = await runCli(['-c', workspace.config, '--json']);
    assert.equal(JSON.parse(rerun.stdout).summary.registry.resolved, 1);
    assert.deepEqual(registry(workspace).map((row) => [row.normalized_key, row.status]), [['CUST-101', 'resolved'], ['CUST-102', 'proposed']]);
  });

  it('never overwrites an earlier run’s reports, even within the same second', async () => {
    for (let run = 0; run < 3; run++) assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
    const summaries = readdirSync(workspace.file('output')).filter((file) => file.startsWith('reconciliation_summary_'));
    assert.equal(summaries.length, 3);
  });

  describe('exit codes', () => {
    it('exits 3 with --fail-on-discrepancy when discrepancies exist, 0 when there are none', async () => {
      assert.equal((await runCli(['-c', workspace.config, '-q', '--fail-on-discrepancy'])).code, 3);
      for (const system of ['B', 'C']) writeFileSync(workspace.file(`input/${system}.csv`), readFileSync(workspace.file('input/A.csv')));
      assert.equal((await runCli(['-c', workspace.config, '-q', '--fail-on-discrepancy'])).code, 0);
    });

    it('exits 2 on a config error, naming the file and line', async () => {
      setConfig(workspace, [['authority: A', 'authority: A\nprovisioning: { strategy: mirorr }']]);
      const result = await runCli(['-c', workspace.config]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /keysync-config\.yaml:3: provisioning\.strategy: "mirorr" is not allowed; allowed: "mirror", "namespaced", "surrogate"/);
    });

    it('exits 2 on a usage error', async () => {
      const badMode = await runCli(['-c', workspace.config, '--mode', 'fast']);
      assert.equal(badMode.code, 2);
      assert.match(badMode.stderr, /argument 'fast' is invalid/);
      assert.equal((await runCli(['-c', workspace.config, '--keys', '10'])).code, 2);
      assert.equal((await runCli(['--no-such-option'])).code, 2);
    });

    it('exits 0 for --help and --version', async () => {
      const help = await runCli(['--help']);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /Exit codes: 0 done/);
      const version = await runCli(['--version']);
      assert.equal(version.code, 0);
      assert.match(version.stdout, /^\d+\.\d+\.\d+\n$/);
    });
  });

  describe('probable matches and links (docs/behaviour.md §10)', () => {
    const newest = (name: string) => {
      const files = readdirSync(workspace.file('output')).filter((file) => file.startsWith(`${name}_`)).sort();
      return readFileSync(workspace.file(`output/${files.at(-1)}`), 'utf8');
    };
    // B writes CUST-005 without a padding zero. CUST-101 is one edit from CUST-001, which B
    // and C both hold: it is ranked down below min_score, a separate entity.
    beforeEach(() => writeFileSync(workspace.file('input/B.csv'), 'key,name\nCUST-001,one\nCUST-002,two\nCUST-003,three\nCUST-004,four\ncust-05,five\nCUST-006,six\nCUST-101,extra\n'));
    const pause = () => new Promise((resolve) => setTimeout(resolve, 1100));

    it('suggests the intended key, links it, keeps it out of the out-of-authority count and lists the correction; unlink undoes it', async () => {
      const first = await runCli(['-c', workspace.config, '--json']);
      assert.equal(first.code, 0, first.stderr);
      assert.deepEqual([JSON.parse(first.stdout).summary.totals.keysWithProbableMatch, JSON.parse(first.stdout).summary.totals.keysMissingInAuthority], [1, 3]);
      assert.equal(newest('probable_matches'), 'Source System,Original Key,Normalized Key,Candidate A Key,Score,Reason,Rank\nB,cust-05,CUST-05,CUST-005,0.95,padding,1\n');

      const linked = await runCli(['-c', workspace.config, 'link', 'cust-05', '--to', 'cust-005', '--actor', 'ana', '--reason', 'padding']);
      assert.equal(linked.code, 0, linked.stderr);
      assert.match(linked.stdout, /CUST-05: linked to CUST-005 \(by ana\)/);
      await pause();
      const second = await runCli(['-c', workspace.config, '--json']);
      assert.equal(second.code, 0, second.stderr);
      const { totals } = JSON.parse(second.stdout).summary;
      assert.deepEqual([totals.keysMissingInAuthority, totals.keysLinked, totals.keysWithProbableMatch], [2, 1, 0]);
      const linkedAt = registryRow(workspace, 'CUST-05').status_changed_at;
      assert.equal(newest('key_corrections'), `System,Original Key,Should Be,Linked By,Linked At\nB,cust-05,CUST-005,ana,${linkedAt}\n`);
      assert.match(newest('diff_missing_in_A'), /^CUST-05,B,cust-05,CUST-005,mirror,linked,/m);

      // Every other decision on a linked key is refused, as approve/reject refuse theirs (exit 1).
      for (const args of [['approve', 'CUST-05'], ['reject', 'CUST-05', '--reason', 'x'], ['link', 'CUST-05', '--to', 'CUST-006']]) {
        const refused = await runCli(['-c', workspace.config, ...args, '--actor', 'bo']);
        assert.equal(refused.code, 1, args.join(' '));
        assert.match(refused.stderr, /it is linked/);
      }
      const unlinked = await runCli(['-c', workspace.config, 'unlink', 'CUST-05', '--actor', 'ana']);
      assert.equal(unlinked.code, 0, unlinked.stderr);
      assert.equal(registryRow(workspace, 'CUST-05').status, 'proposed');
      const again = await runCli(['-c', workspace.config, 'unlink', 'CUST-05', '--actor', 'ana']);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /it is proposed, and only linked keys can be unlinked/);
      const audit = await runCli(['-c', workspace.config, 'audit', '--key', 'CUST-05', '--json']);
      const linkEvents = JSON.parse(audit.stdout).map((event: { eventType: string }) => event.eventType).filter((type: string) => type.includes('link'));
      assert.deepEqual(linkEvents.sort(), ['master_key_linked', 'master_key_unlinked']);
    });

    it('records "not a match" so the pair is not suggested again; a link needs an authority key (exit 2)', async () => {
      assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
      const rejected = await runCli(['-c', workspace.config, 'not-a-match', 'CUST-05', '--to', 'CUST-005', '--actor', 'ana', '--reason', 'another customer']);
      assert.equal(rejected.code, 0, rejected.stderr);
      await pause();
      assert.equal((await runCli(['-c', workspace.config, '-q'])).code, 0);
      assert.equal(newest('probable_matches'), 'Source System,Original Key,Normalized Key,Candidate A Key,Score,Reason,Rank\n');
      const noTarget = await runCli(['-c', workspace.config, 'link', 'CUST-05', '--to', '!!', '--actor', 'ana']);
      assert.equal(noTarget.code, 2, noTarget.stderr);
      assert.match(noTarget.stderr, /needs the authority key/);
      const refusedLink = await runCli(['-c', workspace.config, 'link', 'CUST-05', '--to', 'CUST-005', '--actor', 'bo']);
      assert.equal(refusedLink.code, 1);
      assert.match(refusedLink.stderr, /ana recorded that CUST-05 is not CUST-005/);
    });
  });
});
