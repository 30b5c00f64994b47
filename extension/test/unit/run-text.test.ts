/** Numbers, run kinds, what changed since the last run, the read-only Markdown views. */
import assert from 'node:assert/strict';
import type { AuditEvent, MasterKeyRecord, RunSummary, SystemSummary } from '@keysync/sdk';
import { countOf, formatCount, formatPercent } from '../../src/format.js';
import { auditMarkdown, escapeMarkdown, summaryMarkdown } from '../../src/markdown-text.js';
import { incrementalChanges, runCompletedMessage, runKind } from '../../src/run-text.js';

const system = (name: string, fields: Partial<SystemSummary> = {}): SystemSummary =>
  ({
    system: name,
    role: name === 'A' ? 'authority' : 'downstream',
    status: 'read',
    fromSnapshot: false,
    file: `/w/input/${name}.csv`,
    rows: 10,
    keys: 10,
    repeatedRows: 0,
    badRows: 0,
    matchRate: name === 'A' ? null : 0.75,
    gaps: 2,
    outOfAuthority: 1,
    duplicateGroups: 0,
    skippedReason: null,
    skippedCode: null,
    ...fields,
  }) as SystemSummary;

const summary = (fields: Partial<RunSummary> = {}): RunSummary =>
  ({
    runId: 'R2',
    mode: 'full',
    dryRun: false,
    startedAt: '2026-01-02T00:00:00Z',
    authority: 'A',
    systems: [system('A'), system('B'), system('C')],
    totals: { overallMatchRate: 0.4, keysInAllSystems: 4, uniqueKeys: 10, propagationGaps: 1109, outOfAuthoritySightings: 3, keysMissingInAuthority: 3, duplicateGroups: 0, badRows: 0, repeatedRows: 0 },
    registry: { proposed: 2, autoApproved: 0, resolved: 0, pending: 1109 },
    ...fields,
  }) as RunSummary;

describe('number formatting (one helper everywhere)', () => {
  it('writes counts with separators, rates with two decimals, and plurals', () => {
    assert.equal(formatCount(1109), '1,109');
    assert.equal(formatPercent(0.625), '62.50%');
    assert.equal(countOf(1, 'key'), '1 key');
    assert.equal(countOf(1109, 'key'), '1,109 keys');
  });
});

describe('run kinds and changes', () => {
  it('names full, incremental and dry runs differently', () => {
    assert.equal(runKind({ mode: 'full', dryRun: false }), 'Full run');
    assert.equal(runKind({ mode: 'incremental', dryRun: false }), 'Incremental run');
    assert.equal(runKind({ mode: 'full', dryRun: true }), 'Dry run');
  });

  it('says which sources an incremental run re-read, which came from snapshots, and the key changes', () => {
    const previous = summary({ runId: 'R1' });
    const now = summary({ mode: 'incremental', systems: [system('A', { fromSnapshot: true }), system('B', { keys: 12 }), system('C', { fromSnapshot: true })] });
    assert.equal(incrementalChanges(now, previous), 're-read B; from snapshot A, C; keys B +2');
    const unchanged = summary({ mode: 'incremental', systems: [system('A', { fromSnapshot: true }), system('B', { fromSnapshot: true }), system('C', { fromSnapshot: true })] });
    assert.equal(incrementalChanges(unchanged, previous), 'no source changed; from snapshot A, B, C; same keys as the previous run');
  });

  it('puts the kind in the completion message, with formatted numbers', () => {
    assert.match(runCompletedMessage(summary(), undefined), /^KeySync: Full run R2: overall match 40\.00%, 1,109 gaps, 3 out of authority, 1,109 master keys pending review\.$/);
    assert.match(runCompletedMessage(summary({ dryRun: true }), undefined), /^KeySync: Dry run \(nothing was saved\) R2: .* would be pending review\.$/);
    const incremental = summary({ mode: 'incremental', systems: [system('A', { fromSnapshot: true }), system('B', { keys: 9 }), system('C', { fromSnapshot: true })] });
    assert.match(runCompletedMessage(incremental, summary({ runId: 'R1' })), /^KeySync: Incremental run R2: .*\. Re-read B; from snapshot A, C; keys B −1\.$/);
  });
});

describe('read-only Markdown views', () => {
  it('escapes values so data cannot inject HTML or break a table', () => {
    assert.equal(escapeMarkdown('<img src=x>|*a*'), '&#60;img src=x&#62;\\|\\*a\\*');
  });

  it('adds source and key-change columns to an incremental summary', () => {
    const text = summaryMarkdown(
      summary({ mode: 'incremental', systems: [system('A', { fromSnapshot: true }), system('B', { keys: 12 }), system('C')] }),
      summary({ runId: 'R1' }),
    );
    assert.match(text, /^# KeySync incremental run R2$/m);
    assert.match(text, /\| B \| downstream \| 10 \| 12 \| 75\.00% \| 2 \| 1 \| 0 \| 0 \| re-read \| \+2 \|/);
    assert.match(text, /\| A \| authority .* \| from snapshot \| ±0 \|/);
    assert.match(text, /1,109 pending review/);
  });

  it('lists a master key\'s audit events', () => {
    const record = { masterKey: 'CUST-101', normalizedKey: 'CUST-101', status: 'active', sourceSystem: 'C', sourceKey: 'cust 101', strategy: 'mirror' } as MasterKeyRecord;
    const events = [{ id: 1, timestamp: '2026-01-01T00:00:00.000Z', runId: 'R1', eventType: 'master_key_proposed', details: 'x', system: 'C', key: 'CUST-101', action: 'propose', result: 'proposed', actor: 'keysync' }] as AuditEvent[];
    const text = auditMarkdown(record, events);
    assert.match(text, /^# CUST-101$/m);
    assert.match(text, /\| 2026-01-01 00:00:00Z \| master\\_key\\_proposed \| propose \| proposed \| keysync \| R1 \| x \|/);
  });
});
