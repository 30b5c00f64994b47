// The extension bundle: one CommonJS file for the extension host, plus the in-host test
// suite (one file per test module, so mocha loads them after it sets its globals).
// The SQLite drivers stay external: better-sqlite3 is a native addon and
// node-sqlite3-wasm loads its .wasm beside its own script.
import { readdirSync } from 'node:fs';

const shared = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  sourcemap: true,
  external: ['vscode', 'better-sqlite3', 'node-sqlite3-wasm', 'mocha', 'sinon'],
  // The SDK from source: no build-order dependency on sdk/dist.
  alias: { '@keysync/sdk': './sdk/src/index.ts' },
  logLevel: 'warning',
};

const testFiles = readdirSync('extension/test/suite').filter((file) => file.endsWith('.ts'));

export default [
  { ...shared, entryPoints: { extension: 'extension/src/extension.ts' }, outdir: 'extension/dist', outExtension: { '.js': '.cjs' } },
  {
    ...shared,
    entryPoints: Object.fromEntries(testFiles.map((file) => [`test/suite/${file.replace(/\.ts$/, '')}`, `extension/test/suite/${file}`])),
    outdir: 'extension/dist',
    outExtension: { '.js': '.cjs' },
  },
];
