/**
 * A source's `query` must be one SELECT (docs/behaviour.md §2): it is checked before it runs,
 * for every database type. Reading happens read-only anyway (a read-only file, a READ ONLY
 * transaction), so this is about a clear message, not the only guard: comments and string
 * literals are skipped, one trailing semicolon is allowed, and the first word must be SELECT
 * or WITH (a WITH that ends in an INSERT is refused by the read-only connection).
 */
import { KeySyncError } from '../errors.js';

/** Why the text is not a single SELECT, or undefined when it is one. */
export function whyNotSingleSelect(query: string): string | undefined {
  const code = withoutCommentsAndLiterals(query).trim().replace(/;\s*$/, '');
  if (code === '') return 'it is empty';
  if (code.includes(';')) return 'it holds more than one statement';
  const first = /^\(*\s*([A-Za-z]+)/.exec(code)?.[1]?.toUpperCase();
  if (first !== 'SELECT' && first !== 'WITH' && first !== 'VALUES') return `it starts with ${first ?? JSON.stringify(code.slice(0, 10))}, not SELECT`;
  return undefined;
}

/** Throws SOURCE_QUERY_REFUSED when the source's query is not one SELECT. */
export function assertSingleSelect(query: string, system: string, location: string): void {
  const why = whyNotSingleSelect(query);
  if (why === undefined) return;
  throw new KeySyncError('SOURCE_QUERY_REFUSED', 'input', `The query of system ${system} is not a single SELECT: ${why}; it was not run.`, {
    file: location,
    remedy: `write one SELECT statement as sources.${system}.query, or name a table with sources.${system}.table`,
  });
}

/** The SQL with comments and the insides of quoted strings and identifiers blanked out. */
function withoutCommentsAndLiterals(sql: string): string {
  let out = '';
  for (let at = 0; at < sql.length; ) {
    const char = sql[at]!;
    if (char === '-' && sql[at + 1] === '-') {
      const end = sql.indexOf('\n', at);
      at = end < 0 ? sql.length : end;
    } else if (char === '/' && sql[at + 1] === '*') {
      const end = sql.indexOf('*/', at + 2);
      at = end < 0 ? sql.length : end + 2;
      out += ' ';
    } else if (char === "'" || char === '"' || char === '`' || char === '[') {
      const close = char === '[' ? ']' : char;
      let end = at + 1;
      // A doubled quote inside a quoted string is the quote itself.
      while (end < sql.length && !(sql[end] === close && sql[end + 1] !== close)) end += sql[end] === close ? 2 : 1;
      out += ' x ';
      at = end + 1;
    } else {
      out += char;
      at++;
    }
  }
  return out;
}
