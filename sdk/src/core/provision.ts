/**
 * Master-key proposals (docs/behaviour.md §5): pure and idempotent. A key that already has a registry
 * entry, in any status, gets no new proposal, so a rerun on the same data proposes
 * nothing. Registry lookups are set lookups: the earlier tool re-read the registry per
 * proposal and went quadratic.
 */
import type { OutOfAuthorityKey } from './compare.js';
import type { NormalizedKey, ProvisioningStrategy, SystemId } from './types.js';

/** A master key proposed for an out-of-authority key, awaiting review. */
export interface Proposal {
  readonly normalizedKey: NormalizedKey;
  readonly masterKey: string;
  readonly sourceSystem: SystemId;
  readonly sourceKey: string;
  readonly strategy: ProvisioningStrategy;
}

export interface ProvisioningSettings {
  readonly strategy: ProvisioningStrategy;
  readonly namespacePrefix: string;
}

/** What provisioning needs to know of the registry as it stands. */
export interface RegistryLookup {
  hasKey(key: NormalizedKey): boolean;
  hasMasterKey(masterKey: string): boolean;
}

export function proposeMasterKeys(
  outOfAuthority: readonly OutOfAuthorityKey[],
  registry: RegistryLookup,
  settings: ProvisioningSettings,
  newSurrogate: () => string,
): Proposal[] {
  const proposedMasterKeys = new Set<string>();
  const taken = (candidate: string) => registry.hasMasterKey(candidate) || proposedMasterKeys.has(candidate);
  const proposals: Proposal[] = [];
  for (const { key, sightings } of outOfAuthority) {
    if (registry.hasKey(key)) continue;
    const sourceSystem = sightings[0]!.system;
    const sourceKey = smallestRawIn(sightings, sourceSystem);
    const masterKey = uniqueMasterKey(candidateFor(settings, sourceSystem, key, newSurrogate), taken, settings, newSurrogate);
    proposedMasterKeys.add(masterKey);
    proposals.push({ normalizedKey: key, masterKey, sourceSystem, sourceKey, strategy: settings.strategy });
  }
  return proposals;
}

/** The smallest raw form the system holds the key under (one loop: this runs once per out-of-authority key). */
function smallestRawIn(sightings: OutOfAuthorityKey['sightings'], system: SystemId): string {
  let smallest: string | null = null;
  for (const sighting of sightings) {
    if (sighting.system === system && (smallest === null || sighting.raw < smallest)) smallest = sighting.raw;
  }
  return smallest!;
}

function candidateFor(
  settings: ProvisioningSettings,
  system: SystemId,
  key: NormalizedKey,
  newSurrogate: () => string,
): string {
  switch (settings.strategy) {
    case 'mirror':
      return key;
    case 'namespaced':
      return `${settings.namespacePrefix}-${system}-${key}`;
    case 'surrogate':
      return newSurrogate();
  }
}

/**
 * A master key already used by another entry (possible after a change of strategy) gets a
 * numeric suffix for mirror and namespaced keys, and a fresh draw for surrogates.
 */
function uniqueMasterKey(
  candidate: string,
  taken: (masterKey: string) => boolean,
  settings: ProvisioningSettings,
  newSurrogate: () => string,
): string {
  let masterKey = candidate;
  for (let attempt = 2; taken(masterKey); attempt++) {
    masterKey = settings.strategy === 'surrogate' ? newSurrogate() : `${candidate}~${attempt}`;
  }
  return masterKey;
}

/**
 * Set lookups over registry records, built once per run; the master keys' only when a proposal
 * asks, since a run over keys the registry already holds proposes nothing.
 */
export function registryLookup(records: readonly { normalizedKey: NormalizedKey; masterKey: string }[]): RegistryLookup {
  const keys = new Set(records.map((record) => record.normalizedKey));
  let masterKeys: Set<string> | undefined;
  return {
    hasKey: (key) => keys.has(key),
    hasMasterKey: (masterKey) => (masterKeys ??= new Set(records.map((record) => record.masterKey))).has(masterKey),
  };
}

/** Proposals whose key has since appeared in the authority become `resolved`. */
export function findResolved(
  proposedKeys: Iterable<NormalizedKey>,
  authorityHas: (key: NormalizedKey) => boolean,
): NormalizedKey[] {
  return [...proposedKeys].filter(authorityHas);
}
