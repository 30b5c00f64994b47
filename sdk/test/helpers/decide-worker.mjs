/**
 * One reviewer as a process of its own, for the team-registry concurrency test: opens the
 * workspace through the built SDK (plain JavaScript, so eight of them start fast) and makes
 * `count` decisions on random keys (seeded), as fast as it can. Prints one JSON line: the decisions applied, and the refusals by error code (anything
 * that is not a KeySyncError is listed in full — it would have reached the user).
 *
 *   node decide-worker.mjs <config> <actor> <count> <seed> <key>…
 */
import { isKeySyncError, openWorkspace } from '../../dist/index.js';

const [config, actor, count, seed, ...keys] = process.argv.slice(2);

function random(seedText) {
  let state = Number(seedText) >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const next = random(seed);
const pick = (items) => items[Math.floor(next() * items.length)];
const ACTIONS = ['approve', 'approve', 'reject', 'deprecate', 'undo'];

const workspace = await openWorkspace(config);
const applied = [];
const refused = {};
const unexpected = [];
for (let i = 0; i < Number(count); i++) {
  const key = pick(keys);
  const action = pick(ACTIONS);
  try {
    if (action === 'reject') await workspace.registry.reject(key, { actor, reason: `duplicate (${actor} #${i})` });
    else await workspace.registry[action](key, { actor });
    applied.push({ key, action });
  } catch (error) {
    if (isKeySyncError(error)) refused[error.code] = (refused[error.code] ?? 0) + 1;
    else unexpected.push(String(error?.stack ?? error));
  }
}
await workspace.close();
process.stdout.write(`${JSON.stringify({ actor, applied, refused, unexpected })}\n`);
