/**
 * Entry point the extension host loads (`extensionTestsPath`): runs every compiled
 * `*.test.cjs` beside this file with mocha, in file-name order — or, with
 * KEYSYNC_SUITE_ORDER=reverse, the other way round, to show no file depends on another.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  const here = __dirname;
  const files = readdirSync(here).filter((name) => name.endsWith('.test.cjs')).sort();
  if (process.env.KEYSYNC_SUITE_ORDER === 'reverse') files.reverse();
  for (const file of files) mocha.addFile(path.join(here, file));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} extension test(s) failed`)) : resolve()));
  });
}
