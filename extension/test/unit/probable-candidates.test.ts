/** The probable_matches report read back for the tree and the lenses (docs/behaviour.md §10), outside the editor. */
import assert from 'node:assert/strict';
import { REPORT_HEADERS } from '@keysync/sdk';
import { isProbableMatchesReport } from '../../src/codelens/report-kind.js';
import { candidateCount, candidateLabel, candidatesByKey, candidateSlot, parseProbableMatches } from '../../src/probable-candidates.js';

const report = [
  REPORT_HEADERS.probable_matches.join(','),
  'C,cust-0005,CUST-0005,CUST-005,1.00,padding; missing from C held by B,1',
  'C,CUST-0005,CUST-0005,CUST-005,1.00,padding; missing from C held by B,1',
  'C,CUST-0005,CUST-0005,CUST-015,0.85,edit distance 0.5,2',
  'B,"CUST,9",CUST9,CUST-009,0.90,"padding and delimiters",1',
  "C,'=X1,'=X1,X-1,0.95,delimiters,1",
  '',
].join('\n');

describe('probable-match candidates from the report', () => {
  it('reads every row with its line, unquoting fields and undoing formula guards', () => {
    const rows = parseProbableMatches(report)!;
    assert.equal(rows.length, 5);
    assert.deepEqual(rows[3], { system: 'B', normalizedKey: 'CUST9', authorityKey: 'CUST-009', score: 0.9, reason: 'padding and delimiters', rank: 1, line: 4 });
    assert.equal(rows[4]!.normalizedKey, '=X1');
  });

  it('is no report of probable matches without its columns', () => {
    assert.equal(parseProbableMatches('Master Key,Status\nK,proposed\n'), undefined);
    assert.equal(parseProbableMatches(''), undefined);
  });

  it('files candidates by system and key, best first, each authority key once', () => {
    const byKey = candidatesByKey(parseProbableMatches(report)!);
    assert.deepEqual(byKey.get(candidateSlot('C', 'CUST-0005'))!.map((c) => [c.authorityKey, c.score]), [['CUST-005', 1], ['CUST-015', 0.85]]);
    assert.equal(byKey.get(candidateSlot('B', 'CUST-0005')), undefined);
  });

  it('names a candidate after the authority system, and counts them', () => {
    assert.equal(candidateLabel({ authorityKey: 'CUST-005' }, 'A'), 'A:CUST-005');
    assert.equal(candidateLabel({ authorityKey: 'CUST-005' }, 'ERP'), 'ERP:CUST-005');
    assert.equal(candidateCount(1), '1 probable match');
    assert.equal(candidateCount(3), '3 probable matches');
  });

  it('recognises the report by its file name', () => {
    assert.equal(isProbableMatchesReport('/out/probable_matches_20260101T000000Z.csv'), true);
    assert.equal(isProbableMatchesReport('/out/diff_missing_in_A_20260101T000000Z.csv'), false);
  });
});
