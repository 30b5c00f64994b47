/**
 * CSV cells for the reports: RFC 4180 quoting, and the OWASP guard against formula
 * injection (SPEC §6): a cell a spreadsheet would evaluate gets a leading `'`.
 */
export type Cell = string | number | null;

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

export function guardFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

export function csvCell(value: Cell, guard: boolean): string {
  if (value === null) return '';
  let text = typeof value === 'number' ? String(value) : value;
  if (guard && typeof value === 'string') text = guardFormula(text);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(cells: readonly Cell[], guard: boolean): string {
  let line = '';
  for (let i = 0; i < cells.length; i++) line += (i === 0 ? '' : ',') + csvCell(cells[i]!, guard);
  return line;
}
