/**
 * The SDK's layer order, checked by sdk/test/reliability/dependencies.test.ts (type-only
 * imports count too). Lower layers never import higher ones, and the edge folders never
 * import each other, so there is no cycle between folders:
 *
 *   base (errors, log, whole-numbers, version, io/)
 *     ← core/ (pure domain)
 *       ← config/
 *         ← edges: sources/ · reports/ · store/ · mock/
 *           ← run/ (the stages of a run)
 *             ← facade: reconcile.ts, workspace.ts, workspace-paths.ts, index.ts
 *               ← cli/
 *
 * The extension sees the SDK only through its package entry, `@keysync/sdk`.
 * docs/architecture.md describes each layer.
 */
const BASE = '^sdk/src/(errors|log|whole-numbers|version)\\.ts$|^sdk/src/io/';
const CORE = '^sdk/src/core/';
const CONFIG = '^sdk/src/config/';
const EDGE_FOLDERS = ['sources', 'reports', 'store', 'mock'];
const RUN = '^sdk/src/run/';
const FACADE = '^sdk/src/(reconcile|workspace|workspace-paths|database-copy|index)\\.ts$';
const CLI = '^sdk/src/cli/';
const SDK = '^sdk/src/';

const only = (name, from, allowed) => ({
  name,
  severity: 'error',
  from: { path: from },
  to: { path: SDK, pathNot: allowed.join('|') },
});

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    only('base-imports-base', BASE, [BASE]),
    only('core-imports-core-and-base', CORE, [CORE, BASE]),
    only('config-imports-below', CONFIG, [CONFIG, CORE, BASE]),
    ...EDGE_FOLDERS.map((edge) =>
      only(`${edge}-imports-no-other-edge`, `^sdk/src/${edge}/`, [`^sdk/src/${edge}/`, CONFIG, CORE, BASE]),
    ),
    only('run-imports-below', RUN, [RUN, ...EDGE_FOLDERS.map((edge) => `^sdk/src/${edge}/`), CONFIG, CORE, BASE]),
    { name: 'nothing-below-cli-imports-cli', severity: 'error', from: { path: SDK, pathNot: CLI }, to: { path: CLI } },
    { name: 'nothing-below-the-facade-imports-it', severity: 'error', from: { path: SDK, pathNot: `${FACADE}|${CLI}` }, to: { path: FACADE } },
    {
      name: 'extension-uses-the-sdk-package',
      severity: 'error',
      from: { path: '^extension/src/' },
      to: { path: SDK },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules|dist' },
  },
};
