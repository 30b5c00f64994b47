/**
 * Formula injection (docs/behaviour.md §6): a report opened in a real spreadsheet — LibreOffice Calc,
 * headless — shows guarded cells as text. The control proves the test can fail: the same
 * report written without the guard has its formulas evaluated.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempWorkspace, type TempWorkspace } from '../helpers/workspace.js';

/** The report as LibreOffice renders it, via PDF and pdftotext. */
function renderedText(workspace: TempWorkspace, csv: string): string {
  const outDir = workspace.file('rendered');
  try {
    execFileSync(
      'soffice',
      [`-env:UserInstallation=file://${workspace.file('lo-profile')}`, '--headless', '--norestore', '--convert-to', 'pdf', '--outdir', outDir, csv],
      { stdio: 'pipe', timeout: 120_000 },
    );
  } catch (error) {
    throw new Error(`LibreOffice is needed for this test (apt-get install libreoffice-calc-nogui poppler-utils; see .ci/install-test-tools.sh): ${(error as Error).message}`);
  }
  const pdf = path.join(outDir, `${path.basename(csv, '.csv')}.pdf`);
  return execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' });
}

async function missingInAuthorityReport(workspace: TempWorkspace): Promise<string> {
  const result = await runCli(['-c', workspace.config, '--json', '-q']);
  assert.equal(result.code, 0, result.stderr);
  return (JSON.parse(result.stdout) as { reports: Record<string, string> }).reports.diff_missing_in_A!;
}

describe('reports in a spreadsheet (LibreOffice, headless)', function () {
  this.timeout(180_000);
  let workspace: TempWorkspace;
  beforeEach(() => (workspace = tempWorkspace('dirty')));
  afterEach(() => workspace.remove());

  it('shows guarded formula cells as text: nothing evaluates', async () => {
    const text = renderedText(workspace, await missingInAuthorityReport(workspace));
    assert.match(text, /'=HYPERLINK\("http:\/\/x"\)/);
    assert.match(text, /'@SUM\(1\)/);
    assert.match(text, /'-B-/);
  });

  it('control: without the guard the same cells are evaluated (so the test above can fail)', async () => {
    writeFileSync(workspace.config, `${readFileSync(workspace.config, 'utf8')}output: { csv_injection_guard: false }\n`);
    const text = renderedText(workspace, await missingInAuthorityReport(workspace));
    assert.doesNotMatch(text, /=HYPERLINK/);
    assert.match(text, /http:\/\/x/, 'the HYPERLINK formula ran and shows its link text');
  });
});
