// Builds the SDK (library + `keysync` CLI) and the VS Code extension bundle, and writes
// the config JSON Schema that editors use. `node esbuild.mjs [--watch] [--sdk]`; `--sdk`
// builds the SDK alone, as packing it needs (sdk/package.json's prepack).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const watch = process.argv.includes('--watch');
const sdkOnly = process.argv.includes('--sdk');
const sdkVersion = JSON.parse(readFileSync('sdk/package.json', 'utf8')).version;

const sdkShared = {
  outdir: 'sdk/dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
};

// Self-contained entries (no code splitting): the read worker must sit beside the module
// that starts it, whichever entry that is.
const sdkBuilds = [
  // The library leaves its dependencies to the consumer's node_modules, where they are shared.
  { ...sdkShared, entryPoints: { index: 'sdk/src/index.ts' }, packages: 'external' },
  // The CLI and the read worker are programs that start in a process of their own: their
  // pure-JS dependencies are bundled in, since resolving and loading them as hundreds of
  // separate modules (kysely alone is about 75 ms) was most of `keysync --version`'s 0.23 s.
  // Native modules, and the drivers loaded only when a config uses them, stay external.
  {
    ...sdkShared,
    entryPoints: { cli: 'sdk/src/cli/main.ts', 'read-worker': 'sdk/src/sources/read-worker.ts' },
    external: ['better-sqlite3', 'node-sqlite3-wasm', '@duckdb/node-api', 'pg', 'pg-cursor', 'mysql2', 'hyparquet', 'hyparquet-compressors'],
    // Bundled CommonJS dependencies (commander, cli-progress) call require() for Node's own modules.
    banner: { js: "import { createRequire as keysyncCreateRequire } from 'node:module';\nconst require = keysyncCreateRequire(import.meta.url);" },
  },
];

// Every bundle carries the SDK's version (sdk/src/version.ts), read from its one place.
const extensionBuilds = sdkOnly ? [] : (await import('./extension/esbuild.config.mjs')).default;
const builds = [...sdkBuilds, ...extensionBuilds].map((options) => ({
  ...options,
  define: { ...options.define, KEYSYNC_VERSION: JSON.stringify(sdkVersion) },
}));

if (watch) {
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  // Stale outputs (a renamed test file, say) must not linger and run.
  for (const dir of sdkOnly ? ['sdk/dist'] : ['sdk/dist', 'extension/dist']) rmSync(dir, { recursive: true, force: true });
  await Promise.all(builds.map((options) => esbuild.build(options)));
  await writeSchema();
}

async function writeSchema() {
  const { configJsonSchema } = await import(path.resolve('sdk/dist/index.js'));
  mkdirSync('sdk/schema', { recursive: true });
  writeFileSync('sdk/schema/keysync-config.schema.json', `${JSON.stringify(configJsonSchema(), null, 2)}\n`);
  // The extension contributes the same schema for YAML validation.
  mkdirSync('extension/schema', { recursive: true });
  copyFileSync('sdk/schema/keysync-config.schema.json', 'extension/schema/keysync-config.schema.json');
}
