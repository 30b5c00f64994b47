import assert from 'node:assert/strict';
import { compareSystems, type OutOfAuthorityKey } from '../../src/core/compare.js';
import {
  findResolved,
  proposeMasterKeys,
  type Proposal,
  type ProvisioningSettings,
  type RegistryLookup,
} from '../../src/core/provision.js';
import type { MasterKeyStatus, ProvisioningStrategy } from '../../src/core/types.js';
import { indexOf } from '../helpers/key-indexes.js';

/** An in-memory registry: normalised key → master key, with any status. */
class FakeRegistry implements RegistryLookup {
  readonly entries = new Map<string, { masterKey: string; status: MasterKeyStatus }>();
  add(key: string, masterKey: string, status: MasterKeyStatus = 'proposed'): this {
    this.entries.set(key, { masterKey, status });
    return this;
  }
  addProposals(proposals: readonly Proposal[]): this {
    for (const proposal of proposals) this.add(proposal.normalizedKey, proposal.masterKey);
    return this;
  }
  hasKey(key: string): boolean {
    return this.entries.has(key);
  }
  hasMasterKey(masterKey: string): boolean {
    return [...this.entries.values()].some((entry) => entry.masterKey === masterKey);
  }
}

/** A deterministic surrogate generator that hands out the given ids in order. */
function fakeSurrogates(ids: readonly string[]): () => string {
  let next = 0;
  return () => {
    const id = ids[next++];
    if (id === undefined) throw new Error('fake surrogate generator ran out of ids');
    return id;
  };
}
const noSurrogates = (): string => {
  throw new Error('no surrogate should be drawn for this strategy');
};

const settings = (strategy: ProvisioningStrategy, namespacePrefix = 'MASTER'): ProvisioningSettings => ({
  strategy,
  namespacePrefix,
});

/** A: {K1}; B: {X (raws x-1, X_1, ' x 1'), Y}; C: {X (raw '\tX-1', smaller than every raw in B), Z}; D: {Z, W}. */
function sampleOutOfAuthority(): readonly OutOfAuthorityKey[] {
  const a = indexOf('A', [['K1', 'K1']]);
  const b = indexOf('B', [
    ['X-1', 'x-1'],
    ['X-1', 'X_1'],
    ['X-1', ' x 1'],
    ['Y', 'y'],
  ]);
  const c = indexOf('C', [
    ['X-1', '\tX-1'],
    ['Z', 'z'],
  ]);
  const d = indexOf('D', [
    ['W', 'w'],
    ['Z', 'Z'],
  ]);
  return compareSystems(a, [b, c, d]).outOfAuthority;
}

describe('proposeMasterKeys (docs/behaviour.md §5)', () => {
  describe('strategies', () => {
    it('mirror: the master key is the normalised key', () => {
      const proposals = proposeMasterKeys(sampleOutOfAuthority(), new FakeRegistry(), settings('mirror'), noSurrogates);
      assert.deepStrictEqual(proposals, [
        { normalizedKey: 'W', masterKey: 'W', sourceSystem: 'D', sourceKey: 'w', strategy: 'mirror' },
        { normalizedKey: 'X-1', masterKey: 'X-1', sourceSystem: 'B', sourceKey: ' x 1', strategy: 'mirror' },
        { normalizedKey: 'Y', masterKey: 'Y', sourceSystem: 'B', sourceKey: 'y', strategy: 'mirror' },
        { normalizedKey: 'Z', masterKey: 'Z', sourceSystem: 'C', sourceKey: 'z', strategy: 'mirror' },
      ]);
    });

    it('namespaced: <prefix>-<source system>-<key>, with the configured prefix', () => {
      const proposals = proposeMasterKeys(sampleOutOfAuthority(), new FakeRegistry(), settings('namespaced', 'MK'), noSurrogates);
      assert.deepStrictEqual(
        proposals.map((p) => [p.normalizedKey, p.masterKey, p.strategy]),
        [
          ['W', 'MK-D-W', 'namespaced'],
          ['X-1', 'MK-B-X-1', 'namespaced'],
          ['Y', 'MK-B-Y', 'namespaced'],
          ['Z', 'MK-C-Z', 'namespaced'],
        ],
      );
    });

    it('surrogate: one draw from the generator per proposal, in key order', () => {
      const draw = fakeSurrogates(['MK-AAAA', 'MK-BBBB', 'MK-CCCC', 'MK-DDDD']);
      const proposals = proposeMasterKeys(sampleOutOfAuthority(), new FakeRegistry(), settings('surrogate'), draw);
      assert.deepStrictEqual(
        proposals.map((p) => [p.normalizedKey, p.masterKey, p.sourceSystem, p.strategy]),
        [
          ['W', 'MK-AAAA', 'D', 'surrogate'],
          ['X-1', 'MK-BBBB', 'B', 'surrogate'],
          ['Y', 'MK-CCCC', 'B', 'surrogate'],
          ['Z', 'MK-DDDD', 'C', 'surrogate'],
        ],
      );
    });
  });

  describe('source system and source key', () => {
    it('takes the first system in config order that has the key, not the alphabetically first', () => {
      const a = indexOf('A', []);
      const later = indexOf('zz', [['Q', 'q-from-zz']]);
      const earlier = indexOf('aa', [['Q', 'q-from-aa']]);
      const [proposal] = proposeMasterKeys(compareSystems(a, [later, earlier]).outOfAuthority, new FakeRegistry(), settings('mirror'), noSurrogates);
      assert.deepStrictEqual([proposal?.sourceSystem, proposal?.sourceKey], ['zz', 'q-from-zz']);
    });

    it("takes the source system's smallest raw key (code-unit order), ignoring smaller raws in later systems", () => {
      const outOfAuthority: OutOfAuthorityKey[] = [
        {
          key: 'K',
          sightings: [
            { system: 'B', raw: 'k', line: 2 },
            { system: 'B', raw: 'K ', line: 3 },
            { system: 'B', raw: 'k_', line: 4 },
            { system: 'C', raw: ' K', line: 2 },
          ],
        },
      ];
      const [proposal] = proposeMasterKeys(outOfAuthority, new FakeRegistry(), settings('mirror'), noSurrogates);
      assert.strictEqual(proposal?.sourceSystem, 'B');
      assert.strictEqual(proposal?.sourceKey, 'K ');
    });

    it('is deterministic: the same input gives the same proposals', () => {
      const first = proposeMasterKeys(sampleOutOfAuthority(), new FakeRegistry(), settings('namespaced'), noSurrogates);
      const second = proposeMasterKeys(sampleOutOfAuthority(), new FakeRegistry(), settings('namespaced'), noSurrogates);
      assert.deepStrictEqual(second, first);
    });
  });

  describe('idempotency (docs/behaviour.md §5)', () => {
    const statuses: readonly MasterKeyStatus[] = ['proposed', 'active', 'rejected', 'deprecated', 'resolved'];
    for (const status of statuses) {
      it(`proposes nothing for a key already in the registry as ${status}`, () => {
        const registry = new FakeRegistry().add('Y', 'OLD-Y', status);
        const proposals = proposeMasterKeys(sampleOutOfAuthority(), registry, settings('mirror'), noSurrogates);
        assert.deepStrictEqual(proposals.map((p) => p.normalizedKey), ['W', 'X-1', 'Z']);
      });
    }

    for (const strategy of ['mirror', 'namespaced', 'surrogate'] as const) {
      it(`proposes nothing new on a rerun with the ${strategy} strategy`, () => {
        const draw = fakeSurrogates(['MK-1', 'MK-2', 'MK-3', 'MK-4']);
        const registry = new FakeRegistry();
        const first = proposeMasterKeys(sampleOutOfAuthority(), registry, settings(strategy), draw);
        assert.strictEqual(first.length, 4);
        registry.addProposals(first);
        assert.deepStrictEqual(proposeMasterKeys(sampleOutOfAuthority(), registry, settings(strategy), noSurrogates), []);
      });
    }
  });

  describe('master-key collisions', () => {
    const one = (key: string, system = 'B'): OutOfAuthorityKey[] => [{ key, sightings: [{ system, raw: key, line: 2 }] }];

    it('mirror: a master key taken by another entry gets a numeric suffix', () => {
      const registry = new FakeRegistry().add('OTHER', 'X');
      const [proposal] = proposeMasterKeys(one('X'), registry, settings('mirror'), noSurrogates);
      assert.strictEqual(proposal?.masterKey, 'X~2');
    });

    it('mirror: counts the suffix up until it is free', () => {
      const registry = new FakeRegistry().add('O1', 'X').add('O2', 'X~2').add('O3', 'X~3');
      const [proposal] = proposeMasterKeys(one('X'), registry, settings('mirror'), noSurrogates);
      assert.strictEqual(proposal?.masterKey, 'X~4');
    });

    it('namespaced: a clash with the registry gets a suffix', () => {
      const registry = new FakeRegistry().add('OLD', 'MASTER-B-X');
      const [proposal] = proposeMasterKeys(one('X'), registry, settings('namespaced'), noSurrogates);
      assert.strictEqual(proposal?.masterKey, 'MASTER-B-X~2');
    });

    it('namespaced: two keys of one run that map to the same master key get distinct ones', () => {
      // System "B-C" with key X and system "B" with key C-X both give MASTER-B-C-X.
      const outOfAuthority: OutOfAuthorityKey[] = [
        { key: 'C-X', sightings: [{ system: 'B', raw: 'c-x', line: 2 }] },
        { key: 'X', sightings: [{ system: 'B-C', raw: 'x', line: 2 }] },
      ];
      const proposals = proposeMasterKeys(outOfAuthority, new FakeRegistry(), settings('namespaced'), noSurrogates);
      assert.deepStrictEqual(proposals.map((p) => p.masterKey), ['MASTER-B-C-X', 'MASTER-B-C-X~2']);
    });

    it('surrogate: a drawn id already in the registry or in this run is replaced by a fresh draw', () => {
      const registry = new FakeRegistry().add('OLD', 'MK-TAKEN');
      const draw = fakeSurrogates(['MK-TAKEN', 'MK-ONE', 'MK-ONE', 'MK-TAKEN', 'MK-TWO']);
      const outOfAuthority = [...one('P'), ...one('Q')];
      const proposals = proposeMasterKeys(outOfAuthority, registry, settings('surrogate'), draw);
      assert.deepStrictEqual(proposals.map((p) => [p.normalizedKey, p.masterKey]), [
        ['P', 'MK-ONE'],
        ['Q', 'MK-TWO'],
      ]);
    });

    it('surrogate: never appends a suffix to a drawn id', () => {
      const registry = new FakeRegistry().add('OLD', 'MK-A');
      const [proposal] = proposeMasterKeys(one('P'), registry, settings('surrogate'), fakeSurrogates(['MK-A', 'MK-B']));
      assert.strictEqual(proposal?.masterKey, 'MK-B');
    });
  });
});

describe('findResolved (docs/behaviour.md §5: a proposal whose key appears in A becomes resolved)', () => {
  it('returns the proposed keys the authority now has, in the given order', () => {
    const authority = indexOf('A', [
      ['Z', 'z'],
      ['Y', 'y'],
      ['K1', 'k1'],
    ]);
    assert.deepStrictEqual(findResolved(['X', 'Y', 'Z'], (key) => authority.has(key)), ['Y', 'Z']);
  });

  it('returns nothing when the authority has none of them', () => {
    assert.deepStrictEqual(findResolved(new Set(['X', 'Y']), () => false), []);
  });
});
