/**
 * A config the SDK refuses, as the problems the editor shows: one per line the loader
 * names. The loader reports several problems in one KeySyncError whose message lists
 * them as `  line N: text` (its `line` is the first). Pure: no editor API.
 */
import path from 'node:path';

/** A config that does not load, as every view shows it. */
export interface ConfigProblemReport {
  readonly file: string;
  readonly problems: readonly ConfigProblem[];
  /** `keysync-config.yaml line 3: …`: the view's message, its first item, the status bar. */
  readonly summary: string;
}

export function configProblemReport(error: { readonly message: string; readonly line?: number | string; readonly file?: string }, configFile: string): ConfigProblemReport {
  const file = error.file ?? configFile;
  const problems = configProblems(error);
  return { file, problems, summary: configProblemSummary(path.basename(file), problems) };
}
export interface ConfigProblem {
  /** 1-based, as the SDK reports it. */
  readonly line: number;
  readonly text: string;
}

const MANY = /^\d+ problems:\n/;
const PROBLEM_LINE = /^\s+line (\d+): (.*)$/;

export function configProblems(error: { readonly message: string; readonly line?: number | string }): ConfigProblem[] {
  if (MANY.test(error.message)) {
    const listed = error.message
      .split('\n')
      .slice(1)
      .map((line) => PROBLEM_LINE.exec(line))
      .filter((match) => match !== null)
      .map((match) => ({ line: Number(match[1]), text: match[2]! }));
    if (listed.length) return listed;
  }
  // A config error's line is a number; a locator (text) belongs to a source row, not the config.
  return [{ line: typeof error.line === 'number' ? error.line : 1, text: error.message }];
}

/** `keysync-config.yaml line 3: provisioning.strategy: "mirorr" is not allowed …` (and how many more). */
export function configProblemSummary(fileName: string, problems: readonly ConfigProblem[]): string {
  const [first, ...rest] = problems;
  if (!first) return `${fileName} has errors`;
  return `${fileName} line ${first.line}: ${first.text}${rest.length ? ` (and ${rest.length} more ${rest.length === 1 ? 'problem' : 'problems'})` : ''}`;
}
