// The extension bundle: one CommonJS file for the extension host, plus the in-host test
// suite (one file per test module, so mocha loads them after it sets its globals).
// The SQLite drivers stay external: better-sqlite3 is a native addon and
// node-sqlite3-wasm loads its .wasm beside its own script. So does DuckDB (a native addon,
// optional: the duckdb engine says so when it is missing).
import { readdirSync } from 'node:fs';

const shared = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  sourcemap: true,
  external: ['vscode', 'better-sqlite3', 'node-sqlite3-wasm', '@duckdb/node-api', 'mocha', 'sinon'],
  // The SDK from source: no build-order dependency on sdk/dist.
  alias: { '@keysync/sdk': './sdk/src/index.ts' },
  // The SDK starts its read worker from this file name beside the bundle.
  // (import.meta.url is then never read; defining it keeps the CommonJS build quiet.)
  define: { KEYSYNC_READ_WORKER: '"read-worker.js"', 'import.meta.url': '""' },
  logLevel: 'warning',
};

const testEntries = (folder) =>
  readdirSync(`extension/test/${folder}`)
    .filter((file) => file.endsWith('.ts'))
    .map((file) => [`test/${folder}/${file.replace(/\.ts$/, '')}`, `extension/test/${folder}/${file}`]);

export default [
  { ...shared, entryPoints: { extension: 'extension/src/extension.ts' }, outdir: 'extension/dist', outExtension: { '.js': '.cjs' } },
  // extension/package.json says "type": "module", so a .js worker is loaded as ESM.
  { ...shared, format: 'esm', entryPoints: { 'read-worker': 'sdk/src/sources/read-worker.ts' }, outdir: 'extension/dist' },
  {
    ...shared,
    entryPoints: Object.fromEntries([...testEntries('suite'), ...testEntries('untrusted')]),
    outdir: 'extension/dist',
    outExtension: { '.js': '.cjs' },
  },
];
