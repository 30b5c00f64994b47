/** Security habits checked on the shipped code: no eval, no shell command strings. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from '../helpers/workspace.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mjs|js)$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

const FORBIDDEN: readonly [RegExp, string][] = [
  [/\beval\s*\(/, 'eval('],
  [/\bnew\s+Function\s*\(/, 'new Function('],
  [/\beval:\s*true/, 'a worker started from a code string (eval: true)'],
  // Neither the SDK nor the extension starts processes, so no command string can be built.
  [/from\s+['"](node:)?child_process['"]/, 'child_process import'],
];

describe('code hygiene of the shipped code (sdk/src, extension/src)', () => {
  const files = [...sources(path.join(REPO_ROOT, 'sdk/src')), ...sources(path.join(REPO_ROOT, 'extension/src'))];

  it('covers the shipped source files', () => assert.ok(files.length > 40));

  for (const [pattern, what] of FORBIDDEN) {
    it(`has no ${what}`, () => {
      const offenders = files.filter((file) => pattern.test(readFileSync(file, 'utf8'))).map((file) => path.relative(REPO_ROOT, file));
      assert.deepEqual(offenders, []);
    });
  }
});

/**
 * The repository documents itself in docs/: no file may point at a document that is not in
 * the repository, and every `docs/<file>.md §n` a file cites must be a numbered heading there.
 * (The patterns are written so that this file does not match them itself.)
 */
const SKIPPED_FOLDERS = new Set(['node_modules', 'dist', 'out', 'work', 'results', '.vsix-staging', 'schema']);
const TEXT_FILE = /\.(ts|mts|mjs|cjs|js|json|md|ya?ml|sh|txt)$|^run$/;

function textFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIPPED_FOLDERS.has(entry.name)) found.push(...textFiles(full));
    } else if (entry.isFile() && TEXT_FILE.test(entry.name)) {
      found.push(full);
    }
  }
  return found;
}

const MISSING_DOCUMENTS: readonly [RegExp, string][] = [
  [/SPEC\.md/, 'the SPEC file'],
  [/SPEC\s§/, 'SPEC sections'],
  [/DESIGN\.md/, 'the DESIGN file'],
  [/PERFORMANCE-NOTE[S]/, 'the PERFORMANCE notes'],
  [/SERVERS-NOTE[S]/, 'the SERVERS notes'],
  [/VSCODE-TESTIN[G]/, 'the VSCODE testing notes'],
  [/STYLE\.md/, 'the STYLE file'],
  [/\.\.\/shared\b/, 'a path into a shared folder outside the repository'],
];

/** `docs/behaviour.md §2–§6, §9` → ['behaviour', [2, 3, 4, 5, 6, 9]]. */
export function citedSections(text: string): [string, number[]][] {
  const cited: [string, number[]][] = [];
  for (const match of text.matchAll(/docs\/([\w-]+)\.md((?:,?\s*§\d+(?:\s*[–-]\s*§?\d+)?)+)/g)) {
    const sections: number[] = [];
    for (const part of match[2]!.matchAll(/§(\d+)(?:\s*[–-]\s*§?(\d+))?/g)) {
      const from = Number(part[1]);
      const to = part[2] === undefined ? from : Number(part[2]);
      for (let n = from; n <= to; n++) sections.push(n);
    }
    cited.push([match[1]!, sections]);
  }
  return cited;
}

describe('self-contained documentation (docs/)', () => {
  const roots = ['sdk', 'extension', 'bench', 'testdata', '.ci'].map((folder) => path.join(REPO_ROOT, folder));
  const files = [...roots.flatMap(textFiles), path.join(REPO_ROOT, 'README.md')];
  const relative = (file: string) => path.relative(REPO_ROOT, file);

  it('scans the source, test, bench, fixture and CI files', () => {
    assert.ok(files.length > 100, `only ${files.length} files`);
    assert.ok(files.some((file) => relative(file) === 'sdk/src/core/normalize.ts'));
    assert.ok(files.some((file) => relative(file) === 'extension/src/driver-choice.ts'));
  });

  for (const [pattern, what] of MISSING_DOCUMENTS) {
    it(`has no reference to ${what} (not in the repository)`, () => {
      const offenders = files.filter((file) => pattern.test(readFileSync(file, 'utf8'))).map(relative);
      assert.deepEqual(offenders, []);
    });
  }

  it('cites only docs/ sections that exist as numbered headings', () => {
    const headings = new Map<string, Set<number> | null>();
    const sectionsOf = (doc: string): Set<number> | null => {
      if (!headings.has(doc)) {
        const file = path.join(REPO_ROOT, 'docs', `${doc}.md`);
        let text: string | null = null;
        try {
          text = readFileSync(file, 'utf8');
        } catch {
          text = null;
        }
        headings.set(doc, text === null ? null : new Set([...text.matchAll(/^#{1,6} §(\d+)\b/gm)].map((match) => Number(match[1]))));
      }
      return headings.get(doc)!;
    };
    const broken: string[] = [];
    let citations = 0;
    for (const file of files) {
      for (const [doc, sections] of citedSections(readFileSync(file, 'utf8'))) {
        const present = sectionsOf(doc);
        for (const section of sections) {
          citations++;
          if (!present?.has(section)) broken.push(`${relative(file)}: docs/${doc}.md §${section}`);
        }
      }
    }
    assert.deepEqual(broken, []);
    assert.ok(citations > 20, `only ${citations} citations found`);
  });

  it('reads a range and a list of cited sections', () => {
    assert.deepEqual(citedSections('(docs/behaviour.md §2–§4, §9) and docs/decisions.md §7'), [
      ['behaviour', [2, 3, 4, 9]],
      ['decisions', [7]],
    ]);
  });

  it('links every document in docs/ from the README', () => {
    const readme = readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const docs = readdirSync(path.join(REPO_ROOT, 'docs')).filter((name) => name.endsWith('.md'));
    assert.ok(docs.length >= 3);
    assert.deepEqual(docs.filter((name) => !readme.includes(`](docs/${name}`)), []);
  });
});
