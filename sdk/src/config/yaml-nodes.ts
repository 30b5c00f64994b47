/**
 * A parsed config document seen the way its values are: through aliases and `<<` merge
 * keys, with every mapping key as written. The JS object the document becomes loses two
 * things the config needs — where each value was written (for error lines) and the order
 * and spelling of system names (`007` and `2` as written, in the order written) — so they
 * are read from the document's nodes here.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair, type YAMLMap } from 'yaml';

/** Merges nest at most this deep (an anchor merged into itself would never end). */
const MAX_MERGE_DEPTH = 16;

/** A mapping key as its source text: `1e3` stays `1e3`, not 1000; quoted keys are their value. */
export function keyText(key: unknown): string {
  if (!isScalar(key)) return String(key);
  if (typeof key.value === 'string') return key.value;
  return key.source ?? String(key.value);
}

/**
 * The pairs a mapping's value has, in the order its keys first appear: its own pairs, and
 * those its `<<` merge keys bring in where it has no pair of that key (YAML merge semantics).
 */
export function effectivePairs(document: Document, map: YAMLMap, depth = 0): Pair[] {
  const own = new Map<string, Pair>();
  const merged = new Map<string, Pair>();
  const order: string[] = [];
  const note = (name: string) => {
    if (!own.has(name) && !merged.has(name)) order.push(name);
  };
  for (const pair of map.items) {
    if (!isMergeKey(pair.key)) {
      const name = keyText(pair.key);
      note(name);
      own.set(name, pair);
      continue;
    }
    if (depth >= MAX_MERGE_DEPTH) continue;
    for (const source of mergeSources(document, pair.value)) {
      for (const mergedPair of effectivePairs(document, source, depth + 1)) {
        const name = keyText(mergedPair.key);
        note(name);
        if (!merged.has(name)) merged.set(name, mergedPair);
      }
    }
  }
  return order.map((name) => own.get(name) ?? merged.get(name)!);
}

/** The node at a path of keys (and sequence indexes), through aliases and merges. */
export function nodeAt(document: Document, where: readonly string[]): Node | undefined {
  let node = resolve(document, document.contents);
  for (const segment of where) {
    if (isMap(node)) node = resolve(document, effectivePairs(document, node).find((pair) => keyText(pair.key) === segment)?.value);
    else if (isSeq(node)) node = resolve(document, node.items[Number(segment)]);
    else return undefined;
  }
  return node ?? undefined;
}

/** The pair holding `key` in the mapping at `parent`, through aliases and merges. */
export function pairAt(document: Document, parent: readonly string[], key: string): Pair | undefined {
  const container = nodeAt(document, parent);
  return isMap(container) ? effectivePairs(document, container).find((pair) => keyText(pair.key) === key) : undefined;
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && typeof key.value === 'symbol' && key.value.description === '<<';
}

function mergeSources(document: Document, value: unknown): YAMLMap[] {
  const node = resolve(document, value);
  if (isMap(node)) return [node];
  if (isSeq(node)) return node.items.map((item) => resolve(document, item)).filter((item): item is YAMLMap => isMap(item));
  return [];
}

function resolve(document: Document, node: unknown): Node | undefined {
  const target = isAlias(node) ? node.resolve(document) : node;
  return (target ?? undefined) as Node | undefined;
}
