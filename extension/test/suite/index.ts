/**
 * Entry point the extension host loads (`extensionTestsPath`): runs every compiled
 * `*.test.cjs` beside this file with mocha, in file-name order.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  const here = __dirname;
  for (const file of readdirSync(here).filter((name) => name.endsWith('.test.cjs')).sort()) mocha.addFile(path.join(here, file));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} extension test(s) failed`)) : resolve()));
  });
}
