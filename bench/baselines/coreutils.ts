import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BaselineResult } from './types.js';

/** Single-quotes a word for bash; the only thing that ends a single-quoted word is a quote. */
const shellQuote = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;

// C locale: byte-wise tr, sed and sort, ASCII-only [[:space:]], and the byte order comm expects.
const SHELL_PRELUDE = 'set -eo pipefail; export LC_ALL=C;';

// The rules as one sed program on upper-cased lines: trim both ends, drop every character that is neither a key
// character nor a separator, turn each separator run into one '-' (dropping first means runs it brought together
// are already one run), and delete the line when no letter or digit is left (it is then '' or '-').
const NORMALISE_SED =
  's/^[[:space:]]+//; s/[[:space:]]+$//; s/[^A-Z0-9[:space:]_-]+//g; s/[[:space:]_-]+/-/g; /^-?$/d';

// What a user reaches for, not a CSV parser: `tail` and `cut -d,` split physical lines at every comma. A quoted
// key containing a comma keeps only its part before the comma, a quoted field spanning lines yields bogus keys,
// and non-ASCII whitespace is dropped instead of separating. Hence `exact: false`.
function distinctKeysScript(csvPath: string, keysPath: string): string {
  const pipeline = [
    `tail -n +2 ${shellQuote(csvPath)}`,
    'cut -d, -f1',
    'tr a-z A-Z',
    `sed -E ${shellQuote(NORMALISE_SED)}`,
    'sort -u',
  ].join(' | ');
  return `${SHELL_PRELUDE} ${pipeline} > ${shellQuote(keysPath)}; wc -l < ${shellQuote(keysPath)}`;
}

async function runCount(script: string): Promise<number> {
  const child = spawn('bash', ['-c', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  const exitCode = await new Promise<number | null>((done, fail) => child.on('error', fail).on('close', done));
  if (exitCode !== 0) throw new Error(`coreutils pipeline exited with ${exitCode}: ${script}`);
  return Number(stdout.trim());
}

/** Propagation gaps and out-of-authority keys computed with a shell pipeline; `systems[0]` is the authority. */
export async function coreutilsBaseline(dir: string, systems: string[]): Promise<BaselineResult> {
  if (systems.length < 2) throw new Error('coreutilsBaseline needs an authority and at least one downstream system');
  const started = performance.now();
  const { keyCounts, gapCounts, outOfAuthority } = await countKeys(
    systems.map((system) => resolve(join(dir, `${system}.csv`))),
  );
  return {
    tool: 'coreutils',
    wallMs: performance.now() - started,
    gaps: Object.fromEntries(systems.slice(1).map((system, i) => [system, gapCounts[i]!])),
    outOfAuthority,
    keysPerSystem: Object.fromEntries(systems.map((system, i) => [system, keyCounts[i]!])),
    exact: false,
  };
}

/** Sorted distinct keys per file in parallel, then `comm` against the first file (the authority's). */
async function countKeys(
  csvPaths: string[],
): Promise<{ keyCounts: number[]; gapCounts: number[]; outOfAuthority: number }> {
  const workDir = await mkdtemp(join(tmpdir(), 'keysync-coreutils-'));
  try {
    // Key files are named by position so system names reach the shell only inside quoted paths.
    const keyFiles = csvPaths.map((_, i) => join(workDir, `keys_${i}.txt`));
    const keyCounts = await Promise.all(
      csvPaths.map((csvPath, i) => runCount(distinctKeysScript(csvPath, keyFiles[i]!))),
    );
    const [authority, ...downstream] = keyFiles.map(shellQuote);
    const [outOfAuthority, ...gapCounts] = await Promise.all([
      runCount(`${SHELL_PRELUDE} sort -m -u ${downstream.join(' ')} | comm -13 ${authority} - | wc -l`),
      ...downstream.map((keys) => runCount(`${SHELL_PRELUDE} comm -23 ${authority} ${keys} | wc -l`)),
    ]);
    return { keyCounts, gapCounts, outOfAuthority: outOfAuthority! };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
