// Builds keysync-vscode-<version>.vsix with @vscode/vsce. The bundle (dist/extension.cjs)
// holds the SDK and its pure-JS dependencies; the two SQLite drivers cannot be bundled
// (a native addon, and a WASM file loaded from beside its script), so they are copied
// into a staging folder's node_modules with only what they need at run time.
// Any warning from vsce fails the packaging: the .vsix must be ready for the Marketplace.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const extensionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.resolve(extensionDir, '..');
const staging = path.join(extensionDir, '.vsix-staging');
const require = createRequire(path.join(repo, 'package.json'));

if (!existsSync(path.join(extensionDir, 'dist/extension.cjs'))) throw new Error('Build first: npm run build');
rmSync(staging, { recursive: true, force: true });
mkdirSync(staging);

const manifest = JSON.parse(readFileSync(path.join(extensionDir, 'package.json'), 'utf8'));
delete manifest.devDependencies;
delete manifest.scripts;

for (const entry of ['dist/extension.cjs', 'dist/read-worker.js', 'schema', 'media', 'CHANGELOG.md']) {
  cpSync(path.join(extensionDir, entry), path.join(staging, entry), { recursive: true });
}
// The README's screenshots are the repository's (docs/screenshots, refreshed by the UI suite):
// the package carries the ones it shows, beside it.
const screenshots = '../docs/screenshots/';
const readme = readFileSync(path.join(extensionDir, 'README.md'), 'utf8');
for (const [, file] of readme.matchAll(/\]\(\.\.\/docs\/screenshots\/([\w.-]+\.png)\)/g)) {
  cpSync(path.join(extensionDir, screenshots, file), path.join(staging, 'media/screenshots', file));
}
writeFileSync(path.join(staging, 'README.md'), readme.replaceAll(`](${screenshots}`, '](media/screenshots/'));
cpSync(path.join(repo, 'LICENSE'), path.join(staging, 'LICENSE'));
// The staging folder holds only what ships, except the icon's source (icon.png is rendered from it).
writeFileSync(path.join(staging, '.vscodeignore'), 'media/icon.svg\n');

// Runtime files of each driver package and its runtime dependencies only.
const runtime = {
  'better-sqlite3': ['package.json', 'lib', 'build/Release/better_sqlite3.node'],
  bindings: ['package.json', 'bindings.js'],
  'file-uri-to-path': ['package.json', 'index.js'],
  'node-sqlite3-wasm': ['package.json', 'dist'],
};
for (const [name, files] of Object.entries(runtime)) {
  const from = path.dirname(require.resolve(`${name}/package.json`));
  for (const file of files) cpSync(path.join(from, file), path.join(staging, 'node_modules', name, file), { recursive: true });
  // Install-time dependencies (prebuild-install) are not shipped: keep the tree npm lists consistent.
  const copied = path.join(staging, 'node_modules', name, 'package.json');
  const pkg = JSON.parse(readFileSync(copied, 'utf8'));
  pkg.dependencies = Object.fromEntries(Object.entries(pkg.dependencies ?? {}).filter(([dep]) => dep in runtime));
  delete pkg.scripts;
  writeFileSync(copied, JSON.stringify(pkg, null, 2));
}

// Everything else is bundled; vsce lists only the drivers as dependencies to ship.
const version = (name) => JSON.parse(readFileSync(path.join(staging, 'node_modules', name, 'package.json'), 'utf8')).version;
manifest.dependencies = { 'better-sqlite3': version('better-sqlite3'), 'node-sqlite3-wasm': version('node-sqlite3-wasm') };
writeFileSync(path.join(staging, 'package.json'), JSON.stringify(manifest, null, 2));

const out = path.join(repo, `keysync-vscode-${manifest.version}.vsix`);
// No public repository exists, so there is no URL to point the README's images at: they stay
// relative, resolved inside the package (a published listing would add --baseImagesUrl).
const vsce = spawnSync(
  process.execPath,
  [require.resolve('@vscode/vsce/vsce'), 'package', '--allow-missing-repository', '--no-rewrite-relative-links', '--out', out],
  { cwd: staging, encoding: 'utf8' },
);
process.stdout.write(vsce.stdout);
process.stderr.write(vsce.stderr);
if (vsce.status !== 0) throw new Error(`vsce package failed (exit ${vsce.status})`);
if (/WARNING/.test(vsce.stdout + vsce.stderr)) throw new Error('vsce package printed a warning (above): fix the manifest or the package contents');
rmSync(staging, { recursive: true, force: true });
console.log(`wrote ${out}`);
