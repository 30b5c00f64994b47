/**
 * The public API as reviewed: `sdk/api/keysync-sdk.api.md` (API Extractor's report of the
 * declarations the package ships) must match the source, every export must carry a doc
 * comment, and the README's API table must name exactly what the report exports.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Extractor, ExtractorConfig, type ExtractorMessage } from '@microsoft/api-extractor';
import { runProcess } from '../helpers/cli.js';
import { REPO_ROOT } from '../helpers/workspace.js';

const REPORT = path.join(REPO_ROOT, 'sdk/api/keysync-sdk.api.md');
const REGENERATE = 'run `npm run api:report`, review the diff of sdk/api/keysync-sdk.api.md and commit it';

/** The report's top-level exports: values (functions, constants, classes) and types. */
export function reportExports(report: string): { values: string[]; types: string[]; undocumented: string[] } {
  const declarations = [...report.matchAll(/^((?:\/\/ .*\n)*)export (?:declare )?(?:abstract )?(const|function|class|let|enum|interface|type) (\w+)/gm)];
  const names = (kinds: string[]) => declarations.filter((match) => kinds.includes(match[2]!)).map((match) => match[3]!).sort();
  return {
    values: names(['const', 'function', 'class', 'let', 'enum']),
    types: names(['interface', 'type']),
    undocumented: declarations.filter((match) => match[1]!.includes('(undocumented)')).map((match) => match[3]!),
  };
}

/** `ws.registry.list`, `ws.close`, … : the members of the report's `Workspace`, groups one level deep. */
export function reportWorkspaceMembers(report: string): string[] {
  const body = /^export interface Workspace \{\n([\s\S]*?)^\}/m.exec(report)?.[1] ?? '';
  const members: string[] = [];
  let group = '';
  for (const line of body.split('\n')) {
    const top = /^ {4}(?:readonly )?(\w+)(\??:|<|\()/.exec(line);
    if (top) {
      group = top[2]!.endsWith(':') && line.trimEnd().endsWith('{') ? top[1]! : '';
      if (!group) members.push(`ws.${top[1]}`);
      continue;
    }
    const nested = /^ {8}(?:readonly )?(\w+)(?:[<(]|\??:)/.exec(line);
    if (nested && group) members.push(`ws.${group}.${nested[1]}`);
  }
  return members.sort();
}

/** The names the README's API table lists: exports, `ws.…` members (`.x` continues the row's group), and the types row. */
export function readmeApiNames(readme: string): { values: string[]; types: string[]; workspace: string[] } {
  const table = /^The public API \(`sdk\/src\/index\.ts`\)[\s\S]*?\n\n(\|[\s\S]*?)\n\n/m.exec(readme)?.[1];
  assert.ok(table, 'the README has the public API table under "## The SDK"');
  const values: string[] = [];
  const types: string[] = [];
  const workspace: string[] = [];
  for (const row of table.split('\n').slice(2)) {
    const [first = '', second = ''] = row.split(/(?<!\\)\|/).slice(1).map((cell) => cell.trim());
    if (first === 'types') {
      types.push(...[...second.matchAll(/`(\w+)`/g)].map((match) => match[1]!));
      continue;
    }
    let group = '';
    for (const [, code] of first.matchAll(/`([^`]+)`/g)) {
      const name = /^[\w.]+/.exec(code!)?.[0] ?? '';
      if (name.startsWith('ws.')) {
        workspace.push(name);
        group = name.split('.').slice(0, -1).join('.');
      } else if (name.startsWith('.')) {
        workspace.push(`${group}${name}`);
      } else {
        values.push(name);
      }
    }
  }
  return { values: values.sort(), types: types.sort(), workspace: workspace.sort() };
}

describe('the public API report (sdk/api/keysync-sdk.api.md)', function () {
  this.timeout(3 * 60_000);
  const report = readFileSync(REPORT, 'utf8');

  it('matches the declarations built from the source', async () => {
    const types = await runProcess('npm', ['run', 'build:types'], { cwd: REPO_ROOT });
    assert.equal(types.code, 0, `npm run build:types failed:\n${types.stdout}${types.stderr}`);
    const messages: string[] = [];
    const result = Extractor.invoke(ExtractorConfig.loadFileAndPrepare(path.join(REPO_ROOT, 'sdk/api-extractor.json')), {
      localBuild: false,
      messageCallback: (message: ExtractorMessage) => {
        messages.push(message.formatMessageWithoutLocation());
        message.handled = true;
      },
    });
    assert.equal(result.apiReportChanged, false, `The public API changed: ${REGENERATE}.`);
    assert.ok(result.succeeded, `API Extractor failed:\n${messages.join('\n')}`);
  });

  it('documents every export (TSDoc comment; `npm run docs` builds the reference from them)', () => {
    assert.deepEqual(reportExports(report).undocumented, [], 'exports without a doc comment');
  });

  it("agrees with the README's API table: every export and Workspace member, nothing else", () => {
    const readme = readmeApiNames(readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'));
    const exported = reportExports(report);
    const fix = 'update the API table under "## The SDK" in README.md';
    assert.deepEqual(readme.values, exported.values, `values: ${fix}`);
    assert.deepEqual(readme.types, exported.types, `types: ${fix}`);
    assert.deepEqual(readme.workspace, reportWorkspaceMembers(report), `Workspace members: ${fix}`);
  });

  it('reads report declarations, Workspace members and README rows', () => {
    const sample = '// @public\nexport function a(): void;\n\n// @public (undocumented)\nexport interface B {\n}\n\nexport interface Workspace {\n    readonly audit: {\n        list(): void;\n        readonly kinds: K;\n    };\n    close(): Promise<void>;\n    readonly config: C;\n}\n';
    assert.deepEqual(reportExports(sample), { values: ['a'], types: ['B', 'Workspace'], undocumented: ['B'] });
    assert.deepEqual(reportWorkspaceMembers(sample), ['ws.audit.kinds', 'ws.audit.list', 'ws.close', 'ws.config']);
    const readme = 'The public API (`sdk/src/index.ts`):\n\n| call | returns |\n| --- | --- |\n| `a(x)`, `ws.runs.list()`, `.get(id)` | x \\| y |\n| types | `B`, `C` |\n\nafter';
    assert.deepEqual(readmeApiNames(readme), { values: ['a'], types: ['B', 'C'], workspace: ['ws.runs.get', 'ws.runs.list'] });
  });
});
