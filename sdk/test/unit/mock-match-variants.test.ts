/** Mock ground truth for probable matches (docs/behaviour.md §8, §10): `--inject-failures match-variants`. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { compileNormalizer, DEFAULT_NORMALIZE_RULES } from '../../src/core/normalize.js';
import { generateMockData, openWorkspace } from '../../src/index.js';
import { familyOf } from '../../src/mock/key-families.js';
import { planKeys } from '../../src/mock/key-plan.js';
import { planMatchVariants, VARIANT_KINDS } from '../../src/mock/match-variants.js';
import { createRandom } from '../../src/mock/random.js';
import { SCENARIOS } from '../../src/mock/scenarios.js';

describe('mock match variants and their truth file (docs/behaviour.md §8, §10)', () => {
  const downstream = ['B', 'C', 'D', 'E'];
  const plan = planKeys(20_000, SCENARIOS.normal, downstream.length, createRandom(1));
  const normalize = compileNormalizer(DEFAULT_NORMALIZE_RULES);
  const variants = planMatchVariants(plan, downstream, 7, DEFAULT_NORMALIZE_RULES, createRandom(2));
  const authority = new Set([...plan.common, ...plan.onlyInAuthority].map((id) => normalize(familyOf(id).format(id, 7))));

  it('injects every kind, each normalising to a key the authority lacks, standing for a common key of the system that lost it', () => {
    assert.deepEqual(new Set(variants.truth.map((row) => row.kind)), new Set([...VARIANT_KINDS, 'new']));
    const seen = new Set<string>();
    for (const row of variants.truth) {
      const key = normalize(row.raw);
      assert.ok(key && !authority.has(key), `${row.raw} must be out of authority`);
      assert.ok(!seen.has(key), `${row.raw} is injected once`);
      seen.add(key);
      assert.ok(variants.extraRows.get(row.system)!.includes(row.raw));
      if (row.kind === 'new') assert.equal(row.authorityKey, '');
      else assert.ok(authority.has(row.authorityKey) && row.authorityKey !== key);
    }
    const replaced = [...variants.replaced.values()].reduce((sum, ids) => sum + ids.size, 0);
    assert.equal(replaced, variants.truth.filter((row) => row.kind !== 'new').length);
  });

  it('is deterministic for a seed', () => {
    assert.deepEqual(planMatchVariants(plan, downstream, 7, DEFAULT_NORMALIZE_RULES, createRandom(2)).truth, variants.truth);
  });

  it('generateMockData writes match_truth.csv beside the data only when asked, and a run finds the true keys', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'keysync-variants-'));
    try {
      const plain = await generateMockData({ dir: path.join(dir, 'plain'), keys: 2000, seed: 3 });
      assert.equal(plain.truthFile, null);
      const generated = await generateMockData({ dir: path.join(dir, 'variants'), keys: 2000, seed: 3, failures: ['match-variants'] });
      assert.equal(generated.truthFile, path.join(dir, 'variants', 'input', 'match_truth.csv'));
      // The authority is written exactly as without variants.
      assert.equal(readFileSync(path.join(dir, 'variants', 'input', 'A.csv'), 'utf8'), readFileSync(path.join(dir, 'plain', 'input', 'A.csv'), 'utf8'));
      const truth = parse(readFileSync(generated.truthFile!, 'utf8'), { columns: true }) as Record<string, string>[];
      const workspace = await openWorkspace(generated.configPath);
      try {
        const { probableMatches } = await workspace.reconcile({ dryRun: true });
        const first = new Map(probableMatches.map((match) => [match.key, match.candidates[0]?.authorityKey]));
        const kinds = truth.filter((row) => row['Kind'] !== 'new');
        const right = kinds.filter((row) => first.get(normalize(row['Original Key']!)) === row['True A Key']).length;
        assert.ok(right / kinds.length >= 0.9, `${right} of ${kinds.length} variants have their true key first`);
      } finally {
        await workspace.close();
      }
      // Its own output: generating again needs no --force.
      await generateMockData({ dir: path.join(dir, 'variants'), keys: 2000, seed: 3, failures: ['match-variants'] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
