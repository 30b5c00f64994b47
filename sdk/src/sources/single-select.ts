/**
 * A source's `query` (and `fingerprint_query`) must be one SELECT, checked before anything is
 * run, for every database type (docs/database-sources.md, docs/behaviour.md §2). It runs
 * read-only as well (a READ ONLY transaction, a SQLite file opened read-only), so this check
 * is the first of two guards, not the only one: it reads the text the way the engine will
 * (comments, quoted strings and identifiers, PostgreSQL's dollar quotes, SQLite's [brackets]),
 * and then asks for one statement, starting with SELECT, WITH, VALUES or (not in SQLite)
 * TABLE, with no word that writes or locks outside quotes.
 */
export type SqlDialect = 'postgres' | 'mysql' | 'sqlite';

/** SQLite has no TABLE statement. */
const FIRST_WORDS: Record<SqlDialect, ReadonlySet<string>> = {
  postgres: new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']),
  mysql: new Set(['SELECT', 'WITH', 'VALUES', 'TABLE']),
  sqlite: new Set(['SELECT', 'WITH', 'VALUES']),
};
/** Words that make a statement write, lock or create (a data-modifying CTE, SELECT INTO, FOR UPDATE). */
const WRITING_WORDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE', 'INTO', 'CREATE', 'ALTER', 'DROP', 'TRUNCATE', 'GRANT', 'REVOKE', 'COPY', 'CALL', 'LOCK']);

export type SelectCheck = { readonly ok: true; readonly sql: string } | { readonly ok: false; readonly reason: string };

interface Token {
  readonly kind: 'word' | 'semicolon' | 'other';
  readonly text: string;
  readonly start: number;
}

/** The query without its trailing `;`, or why it is not one SELECT. */
export function checkSingleSelect(sql: string, dialect: SqlDialect): SelectCheck {
  const tokens = tokenize(sql, dialect);
  if (typeof tokens === 'string') return { ok: false, reason: tokens };
  let end = tokens.length;
  while (end > 0 && tokens[end - 1]!.kind === 'semicolon') end--;
  const statement = tokens.slice(0, end);
  if (statement.some((token) => token.kind === 'semicolon')) return { ok: false, reason: 'it holds more than one statement (a ";" followed by more SQL)' };
  const first = statement.find((token) => token.kind === 'word');
  if (!first || !FIRST_WORDS[dialect].has(first.text)) {
    return { ok: false, reason: `it starts with ${first ? first.text : 'no statement'}, not ${[...FIRST_WORDS[dialect]].join(', ').replace(/, (\w+)$/, ' or $1')}` };
  }
  const writing = statement.find((token) => token.kind === 'word' && WRITING_WORDS.has(token.text));
  if (writing) return { ok: false, reason: `it contains ${writing.text}, which writes or locks (a column of that name must be quoted)` };
  const last = statement.at(-1)!;
  return { ok: true, sql: sql.slice(0, last.start + last.text.length).trim() };
}

/** The statement's words, semicolons and other characters, outside comments and quotes; or why it cannot be read. */
function tokenize(sql: string, dialect: SqlDialect): Token[] | string {
  const tokens: Token[] = [];
  let i = 0;
  const closing = (from: number, quote: string, backslashEscapes: boolean): number | undefined => {
    for (let j = from; j < sql.length; j++) {
      if (backslashEscapes && sql[j] === '\\') j++;
      else if (sql[j] === quote) {
        if (sql[j + 1] !== quote) return j + 1;
        j++;
      }
    }
    return undefined;
  };
  while (i < sql.length) {
    const char = sql[i]!;
    const next = sql[i + 1];
    if (/\s/.test(char)) {
      i++;
    } else if ((char === '-' && next === '-') || (dialect === 'mysql' && char === '#')) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end + 1;
    } else if (char === '/' && next === '*') {
      // MySQL runs the text of a /*! … */ comment: it is code, not a comment.
      if (dialect === 'mysql' && sql[i + 2] === '!') return 'it holds a MySQL executable comment (/*! … */)';
      let depth = 0;
      let j = i;
      for (; j < sql.length; j++) {
        if (sql[j] === '/' && sql[j + 1] === '*' && (dialect === 'postgres' || depth === 0)) {
          depth++;
          j++;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j++;
          if (depth === 0) break;
        }
      }
      if (depth !== 0) return 'a /* comment is not closed';
      i = j + 1;
    } else if (dialect === 'sqlite' && char === '[') {
      const end = sql.indexOf(']', i + 1);
      if (end < 0) return 'a [ quote is not closed';
      tokens.push({ kind: 'other', text: sql.slice(i, end + 1), start: i });
      i = end + 1;
    } else if (char === "'" || char === '"' || char === '`') {
      // PostgreSQL: backslashes escape only in E'…' strings; MySQL: in every string; SQLite: never.
      const previous = tokens.at(-1);
      const escapeString = previous?.kind === 'word' && previous.text === 'E' && previous.start + 1 === i;
      const backslashes = char !== '`' && (dialect === 'mysql' ? true : char === "'" && escapeString);
      const end = closing(i + 1, char, backslashes);
      if (end === undefined) return `a ${char} quote is not closed`;
      tokens.push({ kind: 'other', text: sql.slice(i, end), start: i });
      i = end;
    } else if (dialect === 'postgres' && char === '$' && /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.test(sql.slice(i))) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i))![0];
      const end = sql.indexOf(tag, i + tag.length);
      if (end < 0) return `a ${tag} quote is not closed`;
      tokens.push({ kind: 'other', text: sql.slice(i, end + tag.length), start: i });
      i = end + tag.length;
    } else if (/[A-Za-z_]/.test(char)) {
      const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))![0];
      tokens.push({ kind: 'word', text: word.toUpperCase(), start: i });
      i += word.length;
    } else {
      tokens.push({ kind: char === ';' ? 'semicolon' : 'other', text: char, start: i });
      i++;
    }
  }
  return tokens;
}
