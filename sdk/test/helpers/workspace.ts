/** Temp workspaces built from testdata/ fixture sets, removed after each test. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const TESTDATA = path.join(REPO_ROOT, 'testdata');

export interface TempWorkspace {
  readonly dir: string;
  readonly config: string;
  file(...parts: string[]): string;
  remove(): void;
}

/** A fresh folder; with a fixture name, a copy of testdata/<name>. */
export function tempWorkspace(fixture?: string): TempWorkspace {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'keysync-test-'));
  if (fixture) cpSync(path.join(TESTDATA, fixture), dir, { recursive: true });
  return {
    dir,
    config: path.join(dir, 'keysync-config.yaml'),
    file: (...parts) => path.join(dir, ...parts),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** A temp folder for the enclosing describe block: made before its tests, removed after. */
export function useScratchDir(): () => string {
  let dir = '';
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'keysync-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));
  return () => dir;
}
