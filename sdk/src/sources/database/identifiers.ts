/**
 * Table and column names from the config become SQL identifiers, always quoted, so a name is
 * taken exactly as written and can never be read as SQL: PostgreSQL quotes with `"`, MySQL and
 * MariaDB with a backtick; the quote character inside a name is doubled.
 */
export type IdentifierQuote = '"' | '`';

export function quoteIdentifier(name: string, quote: IdentifierQuote): string {
  return `${quote}${name.split(quote).join(quote + quote)}${quote}`;
}

/**
 * `schema.table` (or `database.table`) → its parts. A part written in quotes may hold a dot
 * (`"sales.eu".orders`); a doubled quote inside stands for one. Undefined for a name that is
 * not one or two parts.
 */
export function splitQualifiedName(name: string, quote: IdentifierQuote): string[] | undefined {
  const parts: string[] = [];
  let i = 0;
  while (i <= name.length) {
    let part = '';
    if (name[i] === quote) {
      i++;
      for (;;) {
        if (i >= name.length) return undefined;
        if (name[i] === quote) {
          if (name[i + 1] !== quote) break;
          i++;
        }
        part += name[i++];
      }
      i++;
    } else {
      while (i < name.length && name[i] !== '.') part += name[i++];
    }
    if (part === '') return undefined;
    parts.push(part);
    if (i === name.length) break;
    if (name[i] !== '.') return undefined;
    i++;
  }
  return parts.length >= 1 && parts.length <= 2 ? parts : undefined;
}

export function quoteQualifiedName(parts: readonly string[], quote: IdentifierQuote): string {
  return parts.map((part) => quoteIdentifier(part, quote)).join('.');
}
