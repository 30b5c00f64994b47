/**
 * Entry point the extension host loads (`extensionTestsPath`): runs every compiled
 * `*.test.cjs` beside this file with mocha, in file-name order — or, with
 * KEYSYNC_SUITE_ORDER=reverse, the other way round, to show no file depends on another.
 * KEYSYNC_SUITE_ONLY=<part of a file name> runs only the files whose names contain it (a
 * quicker turn while working on one; every file is written to run alone).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import Mocha from 'mocha';

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 60_000, color: false, reporter: 'spec' });
  const here = __dirname;
  const only = process.env.KEYSYNC_SUITE_ONLY;
  const files = readdirSync(here).filter((name) => name.endsWith('.test.cjs') && (!only || name.includes(only))).sort();
  if (process.env.KEYSYNC_SUITE_ORDER === 'reverse') files.reverse();
  for (const file of files) mocha.addFile(path.join(here, file));
  return new Promise((resolve, reject) => {
    mocha.run((failures) => (failures ? reject(new Error(`${failures} extension test(s) failed`)) : resolve()));
  });
}
