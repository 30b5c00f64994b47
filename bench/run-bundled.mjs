// `node bench/run-bundled.mjs <bench.ts> [args…]`: runs a bench as the product runs — one
// esbuild bundle, as `npm run build` makes sdk/dist — rather than file by file through tsx,
// whose per-module wrappers add a call to every cross-module function (measured: about a
// third more CPU time in the matching bench). The bundle goes to bench/work/.
import * as esbuild from 'esbuild';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
const outfile = path.resolve('bench/work', `${path.basename(entry, '.ts')}.bundle.mjs`);
await esbuild.build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', logLevel: 'warning' });
process.argv = [process.argv[0], entry, ...args];
await import(pathToFileURL(outfile).href);
