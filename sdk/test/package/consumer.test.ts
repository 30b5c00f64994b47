/**
 * The SDK as a new user gets it: `npm pack` exactly as publishing packs it (its prepack
 * builds the bundles and the declarations), the tarball installed into an empty project
 * outside the repository, then
 * - a strict script using every exported value (consumer-project/consumer.ts) type-checked
 *   under NodeNext with `skipLibCheck: false`, and run as ESM. Every package the declarations
 *   reachable from the entry import from is imported in a generated file too (public-imports.ts): inside
 *   a .d.ts an untyped package silently becomes `any`, in a strict .ts it is an error, so a
 *   public type that needs something a consumer cannot resolve fails here;
 * - `require('@keysync/sdk')` from CommonJS (Node 20.19+ loads ESM through require);
 * - `npx keysync --help` and `--version` from the installed bin.
 *
 * Speed: the install takes what npm's cache holds (--prefer-offline) and skips install
 * scripts; the only one in the tree is better-sqlite3's native build (minutes on two cores).
 * When the project gets the same better-sqlite3 version as this repository — the usual case —
 * it takes this machine's compiled copy of the module, which the same source, compiler and
 * Node headers build byte for byte; otherwise it compiles it (`npm rebuild`), as an install
 * would (where node-gyp cannot download Node's headers, export npm_config_nodedir).
 */
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { runProcess, type CliResult } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/workspace.js';

const SDK_DIR = path.join(REPO_ROOT, 'sdk');
const NATIVE_MODULE = 'build/Release/better_sqlite3.node';
const repoRequire = createRequire(path.join(REPO_ROOT, 'package.json'));
const versionOf = (packageJson: string): string => (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;

describe('the packed SDK in a project outside the repository (npm pack, npm install, tsc, node)', function () {
  this.timeout(5 * 60_000);
  const sdkVersion = versionOf(path.join(SDK_DIR, 'package.json'));
  let scratch: string;
  let project: string;
  let tarball: string;
  const run = (command: string, args: string[], cwd = project): Promise<CliResult> => runProcess(command, args, { cwd, timeoutMs: 4 * 60_000 });
  const ok = (result: CliResult, what: string): CliResult => {
    assert.equal(result.code, 0, `${what} failed:\n${result.stdout}\n${result.stderr}`);
    return result;
  };

  before(async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'keysync-consumer-'));
    ok(await run('npm', ['pack', '--pack-destination', scratch], SDK_DIR), 'npm pack');
    tarball = path.join(scratch, readdirSync(scratch).find((name) => name.endsWith('.tgz'))!);

    project = path.join(scratch, 'project');
    cpSync(path.join(REPO_ROOT, 'sdk/test/package/consumer-project'), project, { recursive: true });
    writeFileSync(path.join(project, 'package.json'), `${JSON.stringify({ name: 'keysync-consumer', private: true, type: 'module' }, null, 2)}\n`);
    const tools = [`typescript@${versionOf(repoRequire.resolve('typescript/package.json'))}`, `@types/node@${versionOf(repoRequire.resolve('@types/node/package.json'))}`];
    ok(await run('npm', ['install', tarball, ...tools, '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund']), 'npm install');

    const installed = path.join(project, 'node_modules/better-sqlite3');
    const ours = path.dirname(repoRequire.resolve('better-sqlite3/package.json'));
    if (versionOf(path.join(installed, 'package.json')) === versionOf(path.join(ours, 'package.json'))) {
      mkdirSync(path.dirname(path.join(installed, NATIVE_MODULE)), { recursive: true });
      copyFileSync(path.join(ours, NATIVE_MODULE), path.join(installed, NATIVE_MODULE));
    } else {
      ok(await run('npm', ['rebuild', 'better-sqlite3']), 'npm rebuild better-sqlite3');
    }
  });
  after(() => rmSync(scratch, { recursive: true, force: true }));

  it('packs the bundles, declarations and source maps; types never point at TypeScript source', () => {
    const installed = path.join(project, 'node_modules/@keysync/sdk');
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
    assert.equal(manifest.types, './dist/types/index.d.ts');
    assert.deepEqual(manifest.exports['.'], { types: './dist/types/index.d.ts', default: './dist/index.js' });
    for (const file of ['dist/index.js', 'dist/index.js.map', 'dist/cli.js', 'dist/read-worker.js', 'dist/types/index.d.ts', 'dist/types/index.d.ts.map', 'schema/keysync-config.schema.json', 'bin/keysync.js']) {
      assert.ok(existsSync(path.join(installed, file)), `${file} is in the package`);
    }
    assert.ok(!existsSync(path.join(installed, 'dist/api')), "API Extractor's scratch folder is not shipped");
  });

  it('type-checks a strict NodeNext script (skipLibCheck off) against the declarations only, and runs it as ESM', async () => {
    const imported = packagesImportedFrom(path.join(project, 'node_modules/@keysync/sdk/dist/types/index.d.ts'));
    assert.ok(imported.has('kysely'), 'found the packages the declarations import');
    writeFileSync(path.join(project, 'public-imports.ts'), [...imported].map((specifier, i) => `import type * as imported${i} from '${specifier}';\n`).join(''));

    const compile = await run('npx', ['--no-install', 'tsc', '-p', '.', '--listFiles']);
    // The errors without the list of files (absolute paths). A new export fails here until `uses` names it.
    const errors = compile.stdout.split('\n').filter((line) => !line.startsWith('/')).join('\n');
    assert.equal(compile.code, 0, `tsc failed (a new export? add it to \`uses\` in sdk/test/package/consumer-project/consumer.ts):\n${errors}${compile.stderr}`);
    const sdkFiles = compile.stdout.split('\n').filter((file) => file.includes('/node_modules/@keysync/sdk/'));
    assert.ok(sdkFiles.length > 10, 'tsc read the SDK declarations');
    const source = sdkFiles.filter((file) => /\.[cm]?tsx?$/.test(file) && !/\.d\.[cm]?ts$/.test(file));
    assert.deepEqual(source, [], 'tsc read declarations of the SDK, never its TypeScript source');

    const esm = ok(await run(process.execPath, ['out/consumer.js', sdkVersion]), 'the ESM script');
    assert.match(esm.stdout, /^esm: \d+ exports used, failed: \[\]; run \S+, \d+ audit events, SDK /m);
  });

  it('loads from CommonJS with require()', async () => {
    const cjs = ok(await run(process.execPath, ['consumer.cjs']), 'the CommonJS script');
    assert.match(cjs.stdout, new RegExp(`^cjs: \\d+ exports, normalizeKey -> CUST-7, SDK ${sdkVersion.replaceAll('.', '\\.')}$`, 'm'));
  });

  it('runs the installed `keysync` bin: --help and --version', async () => {
    const help = ok(await run('npx', ['--no-install', 'keysync', '--help']), 'npx keysync --help');
    assert.match(help.stdout, /^Usage: keysync \[options\] \[command\]/);
    const version = ok(await run('npx', ['--no-install', 'keysync', '--version']), 'npx keysync --version');
    assert.equal(version.stdout.trim(), sdkVersion);
  });
});

/**
 * The packages the declarations a consumer's compiler reads import from: those reachable from
 * the entry through relative imports (an internal module no public type leads to is never read).
 */
function packagesImportedFrom(entry: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const pending = [entry];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
    for (const [, specifier] of code.matchAll(/(?:from|import\()\s*['"]([^'"]+)['"]/g)) {
      if (!specifier!.startsWith('.')) packages.add(specifier!);
      else pending.push(path.resolve(path.dirname(file), specifier!.replace(/\.js$/, '.d.ts')));
    }
  }
  return packages;
}
