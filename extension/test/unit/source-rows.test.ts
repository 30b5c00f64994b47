/** Where a sighting opens, and the text of a source row document, outside the editor. */
import assert from 'node:assert/strict';
import { badRowProblems } from '../../src/bad-row-problems.js';
import { describeLocator, isLineLocation } from '../../src/source-location.js';
import { decodeRowTarget, encodeRowTarget, rowDocumentName, rowText } from '../../src/source-row-text.js';

describe('source locations and row documents', () => {
  it('opens a CSV line in its file, and anything else as a row document', () => {
    assert.equal(isLineLocation('/data/input/B.csv', 12), true);
    assert.equal(isLineLocation('C:\\data\\B.csv', 12), true);
    assert.equal(isLineLocation('sqlite:/data/systems.db table customers', 12), false);
    assert.equal(isLineLocation('parquet:/data/B.parquet', 3), false);
    assert.equal(isLineLocation('sqlite:/data/systems.db table t', 'K-7'), false);
    assert.equal(describeLocator('/data/B.csv', 12), 'line 12');
    assert.equal(describeLocator('parquet:/data/B.parquet', 3), 'row 3');
    assert.equal(describeLocator('sqlite:/data/s.db table t', 'K-7'), 'row "K-7"');
  });

  it('keeps a locator\'s type and its source through the URI, and shows NULL as NULL', () => {
    const targets = [
      { system: 'B', locator: 12, location: 'sqlite:/d/s.db table B' },
      { system: 'B', locator: '12', location: 'sqlite:/d/s.db table B' },
      { system: 'crm', locator: 'region=EU,id=1', location: 'postgres://keysync@db:5432/crm table public.customers' },
    ];
    for (const target of targets) assert.deepEqual(decodeRowTarget(encodeRowTarget(target)), target);
    // The editor keeps a document by its URI: one row number of one system in two sources must be two documents.
    assert.notEqual(encodeRowTarget({ system: 'C', locator: 6, location: 'sqlite:/w/a/systems.db table C' }), encodeRowTarget({ system: 'C', locator: 6, location: 'postgres://r@h:5432/db table ext.C' }));
    assert.throws(() => decodeRowTarget(JSON.stringify({ system: 'B', locator: 12 })), /Not a KeySync source row/);
    assert.equal(rowDocumentName({ system: 'B', locator: 'a/b?c', location: 'x' }), 'B row a_b_c');
    const text = rowText({ system: 'B', locator: 4, location: 'x' }, 'sqlite:/d/s.db table t', new Map([['id', '4'], ['customer_key', 'K-1'], ['note', null]]));
    assert.equal(text, '# B — sqlite:/d/s.db table t\n# row 4\n\nid           : "4"\ncustomer_key : "K-1"\nnote         : NULL\n');
    assert.match(rowText({ system: 'B', locator: 4, location: 'x' }, 'x', undefined), /no longer in the source/);
  });

  it('puts only text-file bad rows in the Problems panel', () => {
    const problems = badRowProblems([
      {
        system: 'B',
        rows: [
          { file: '/d/B.csv', line: 3, reason: 'missing key', detail: 'blank', action: 'skipped' },
          { file: 'sqlite:/d/s.db table B', line: 3, reason: 'no key', detail: 'the key is NULL', action: 'skipped' },
        ],
      },
    ]);
    assert.deepEqual([...problems.keys()], ['/d/B.csv']);
  });
});

describe('source passwords in SecretStorage', () => {
  it('reads one JSON secret per config file, and nothing from a damaged one', async () => {
    const { readSourcePasswords, secretKey } = await import('../../src/source-password-store.js');
    const stored = new Map<string, string>();
    const secrets = { get: async (key: string) => stored.get(key) } as unknown as Parameters<typeof readSourcePasswords>[0];
    const config = { toString: () => 'file:///w/keysync-config.yaml' } as unknown as Parameters<typeof readSourcePasswords>[1];
    assert.deepEqual(await readSourcePasswords(secrets, config), new Map());
    stored.set(secretKey(config), JSON.stringify({ B: 's3cret', C: 42 }));
    assert.deepEqual(await readSourcePasswords(secrets, config), new Map([['B', 's3cret']]));
    stored.set(secretKey(config), '{not json');
    assert.deepEqual(await readSourcePasswords(secrets, config), new Map());
  });
});
