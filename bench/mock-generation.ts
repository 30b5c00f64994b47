/**
 * Mock data for the large benches, generated in a process of its own so that its heap can be
 * as large as the machine allows and its memory is not counted against the run that follows.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The generator holds the key plan and one system's rows at a time: its own heap, as large as the machine allows. */
export const GENERATOR_HEAP_MB = Math.floor((os.totalmem() / 2 ** 20) * 0.6);

/** One generated file, as the generating process prints them (JSON on stdout). */
export interface GeneratedFile {
  readonly system: string;
  readonly file: string;
  readonly rows: number;
}

/** Node arguments that generate the normal scenario into `dir` and print its files as JSON (`GeneratedFile[]`). */
export function mockGenerationArgs(dir: string, keysPerSystem: number, seed: number): string[] {
  const script =
    `import { generateMockData } from ${JSON.stringify(path.join(repo, 'sdk/src/index.ts'))};` +
    `const result = await generateMockData({ dir: ${JSON.stringify(dir)}, scenario: 'normal', keys: ${keysPerSystem}, seed: ${seed} });` +
    `console.log(JSON.stringify(result.files.map(({ system, file, rows }) => ({ system, file, rows }))));`;
  return [`--max-old-space-size=${GENERATOR_HEAP_MB}`, '--import', 'tsx', '--input-type=module', '-e', script];
}
