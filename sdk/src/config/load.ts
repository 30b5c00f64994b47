/**
 * Reads keysync-config.yaml, applies defaults and validates it. Every problem is reported
 * with the file, the line, the key, what is allowed and, for a misspelt key, the closest
 * known one — all problems at once, so a user fixes the file in one pass.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { distance } from 'fastest-levenshtein';
import { isMap, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { KeySyncError } from '../errors.js';
import { LEGACY_KEYS, LEGACY_TOOL } from './legacy-keys.js';
import { configSchema, type KeySyncConfigValues } from './schema.js';
import { effectivePairs, keyText, nodeAt, pairAt } from './yaml-nodes.js';

/** The config file a workspace folder is recognised by, and the CLI's default `-c`. */
export const CONFIG_FILE_NAME = 'keysync-config.yaml';

/** A validated config plus where its relative paths point. */
export interface KeySyncConfig {
  /** The config file, or null when it did not exist and only defaults apply. */
  readonly file: string | null;
  /** The folder every relative path resolves against: the config file's folder. */
  readonly baseDir: string;
  readonly values: KeySyncConfigValues;
  /** Keys accepted with a warning (the earlier tool's), in line order; the CLI prints them. */
  readonly warnings: readonly ConfigWarning[];
}

/** A key the config may hold but that does not do what its writer may expect. */
export interface ConfigWarning {
  readonly line: number;
  /** The dotted key, e.g. `database.backup_enabled`. */
  readonly key: string;
  readonly text: string;
}

export interface ParsedConfig {
  readonly values: KeySyncConfigValues;
  readonly warnings: readonly ConfigWarning[];
}

/** Refuse YAML that expands aliases past this: a billion-laughs document stops here. */
const MAX_ALIAS_COUNT = 100;

/**
 * Reads and validates a config file as a run would: every default applied, every relative
 * path resolved against the file's folder. A missing file means all defaults (`file: null`).
 * Throws a {@link KeySyncError} of kind `config` naming the file, the line and the fix, with
 * every problem at once.
 *
 * @example
 * ```ts
 * const config = loadConfig('./keysync-config.yaml');
 * console.log(config.values.authority, [...config.values.sources.keys()]);
 * for (const warning of config.warnings) console.warn(`line ${warning.line}: ${warning.text}`);
 * ```
 */
export function loadConfig(configPath: string): KeySyncConfig {
  const file = path.resolve(configPath);
  const baseDir = path.dirname(file);
  if (!existsSync(file)) return { file: null, baseDir, values: configSchema.parse({}), warnings: [] };
  const stats = statSync(file);
  if (stats.isDirectory()) {
    throw new KeySyncError('CONFIG_NOT_A_FILE', 'config', `${file} is a folder, not a config file.`, {
      file,
      remedy: `pass the path of ${CONFIG_FILE_NAME} itself`,
    });
  }
  // A FIFO would hold the process until something writes to it; a device may never end.
  if (!stats.isFile()) {
    throw new KeySyncError('CONFIG_NOT_A_FILE', 'config', `${file} is not a regular file (a named pipe or a device); the config is read from a regular file only.`, {
      file,
      remedy: `write the config to a regular file and pass its path`,
    });
  }
  return { file, baseDir, ...parseConfigText(readFileSync(file, 'utf8'), file) };
}

export function parseConfigText(text: string, file: string): ParsedConfig {
  const lineCounter = new LineCounter();
  // `merge`: YAML 1.1 `<<` merge keys, which configs use to share settings between sources.
  const document = parseDocument(text.replace(/^\uFEFF/, ''), { lineCounter, prettyErrors: false, merge: true });
  const syntaxError = document.errors[0];
  if (syntaxError) {
    throw new KeySyncError('CONFIG_YAML_SYNTAX', 'config', `YAML syntax error: ${firstLine(syntaxError.message)}`, {
      file,
      line: lineCounter.linePos(syntaxError.pos[0]).line,
      remedy: 'fix the YAML at that line',
    });
  }
  spellSystemNamesAsWritten(document, lineCounter, file);
  let raw: unknown;
  try {
    raw = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) ?? {};
  } catch (error) {
    const message = firstLine(String((error as Error).message));
    throw /alias count/i.test(message)
      ? new KeySyncError('CONFIG_YAML_ALIASES', 'config', `YAML rejected: ${message}`, {
          file,
          remedy: 'remove the excessive aliases; a config never needs them',
        })
      : new KeySyncError('CONFIG_YAML_SYNTAX', 'config', `YAML rejected: ${message}`, {
          file,
          remedy: 'a merge key (<<) takes a mapping or a list of mappings',
        });
  }
  if (typeof raw !== 'object' || Array.isArray(raw) || raw === null) {
    throw new KeySyncError('CONFIG_NOT_A_MAPPING', 'config', 'The config must be a mapping of sections (authority:, sources:, …).', {
      file,
      line: 1,
    });
  }
  const warnings = [...dropFileBackupKeysOfServer(raw as Record<string, unknown>, document, lineCounter), ...acceptLegacyKeys(raw as Record<string, unknown>, document, lineCounter)].sort(
    (a, b) => a.line - b.line,
  );
  const result = configSchema.safeParse(raw);
  if (result.success) return { values: sourcesInWrittenOrder(result.data, document), warnings };
  const problems = result.error.issues.flatMap((issue) => describeIssue(issue, document, lineCounter));
  problems.sort((a, b) => a.line - b.line);
  const [first] = problems;
  const message =
    problems.length === 1 && first
      ? first.text
      : `${problems.length} problems:\n${problems.map((problem) => `  line ${problem.line}: ${problem.text}`).join('\n')}`;
  throw new KeySyncError('CONFIG_INVALID', 'config', message, {
    file,
    line: first?.line,
    remedy: 'correct the config and run again',
  });
}

/**
 * System names are names, not numbers: YAML reads an unquoted `007` or `1e3` as 7 or 1000,
 * so the names (source keys and the authority) are set back to the text as written.
 */
function spellSystemNamesAsWritten(document: Document, lines: LineCounter, file: string): void {
  const sources = nodeAt(document, ['sources']);
  if (isMap(sources)) {
    // Only as written can `2` and "2" be seen to name one system twice.
    const written = new Map<string, number>();
    for (const pair of sources.items) {
      if (!isScalar(pair.key) || typeof pair.key.value === 'symbol') continue;
      const name = keyText(pair.key);
      pair.key.value = name;
      const line = pair.key.range ? lines.linePos(pair.key.range[0]).line : 1;
      const earlier = written.get(name);
      if (earlier !== undefined) {
        throw new KeySyncError('CONFIG_INVALID', 'config', `sources: system "${name}" is listed twice (lines ${earlier} and ${line})`, {
          file,
          line,
          remedy: 'give each system one entry',
        });
      }
      written.set(name, line);
    }
    // Systems that `<<` brings in.
    for (const pair of effectivePairs(document, sources)) {
      if (isScalar(pair.key)) pair.key.value = keyText(pair.key);
    }
  }
  const authority = nodeAt(document, ['authority']);
  if (isScalar(authority) && (typeof authority.value === 'number' || typeof authority.value === 'boolean')) {
    authority.value = authority.source ?? String(authority.value);
  }
}

/** The settings of a SQLite file's backups (store/sqlite/backup.ts), which a server database has no use for. */
const FILE_BACKUP_KEYS = ['backup_enabled', 'backup_count'] as const;

/**
 * `backup_*` beside `type: postgres` (a config moved from SQLite to a team registry) is not an
 * error: each gets a warning naming it, and is dropped before validation, so the run goes on.
 */
function dropFileBackupKeysOfServer(raw: Record<string, unknown>, document: Document, lines: LineCounter): ConfigWarning[] {
  const database = raw.database;
  if (typeof database !== 'object' || database === null || Array.isArray(database)) return [];
  const settings = database as Record<string, unknown>;
  if (String(settings.type).toLowerCase() !== 'postgres') return [];
  return FILE_BACKUP_KEYS.filter((key) => Object.hasOwn(settings, key)).map((key) => {
    const warning = {
      line: lineOfKey(document, lines, ['database'], key),
      key: `database.${key}`,
      text: `database.${key}: not used with database.type postgres — KeySync backs up only a SQLite file; backing up a server database is its administrator's job (pg_dump, the server's own backups)`,
    };
    delete settings[key];
    return warning;
  });
}

/**
 * The earlier tool's keys (legacy-keys.ts) get one warning each; the ignored ones are
 * removed before validation, so they are accepted whatever their value.
 */
function acceptLegacyKeys(raw: Record<string, unknown>, document: Document, lines: LineCounter): ConfigWarning[] {
  const warnings: ConfigWarning[] = [];
  for (const { path: where, treatment, effect } of LEGACY_KEYS) {
    const parent = where.length === 1 ? raw : raw[where[0]];
    const key = where[where.length - 1]!;
    if (typeof parent !== 'object' || parent === null || Array.isArray(parent) || !Object.hasOwn(parent, key)) continue;
    const dotted = where.join('.');
    warnings.push({ line: lineOfKey(document, lines, where.slice(0, -1), key), key: dotted, text: `${dotted}: a ${LEGACY_TOOL} key, ${treatment} — ${effect}` });
    if (treatment === 'ignored') delete (parent as Record<string, unknown>)[key];
  }
  return warnings.sort((a, b) => a.line - b.line);
}

/**
 * A JS object lists integer-like keys such as "2" before the others, whatever the order
 * written; reports follow config order, so the order is taken from the document.
 */
function sourcesInWrittenOrder(values: KeySyncConfigValues, document: Document): KeySyncConfigValues {
  const sources = nodeAt(document, ['sources']);
  if (!isMap(sources)) return values;
  const names = effectivePairs(document, sources)
    .map((pair) => keyText(pair.key))
    .filter((name) => values.sources.has(name));
  return { ...values, sources: new Map(names.map((name) => [name, values.sources.get(name)!])) };
}

interface Problem {
  readonly line: number;
  readonly text: string;
}

type Issue = z.core.$ZodIssue;

function describeIssue(issue: Issue, document: Document, lines: LineCounter): Problem[] {
  const where = issue.path.map(String);
  const dotted = where.join('.') || '(top level)';
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(where, document);
    return issue.keys.map((key) => ({
      line: lineOfKey(document, lines, where, key),
      text: `unknown key "${[...where, key].join('.')}"${suggestion(key, known)}`,
    }));
  }
  const line = lineOfValue(document, lines, where);
  if (issue.code === 'invalid_value') {
    const allowed = issue.values.map((value) => JSON.stringify(value)).join(', ');
    return [{ line, text: `${dotted}: ${JSON.stringify(valueAt(document, where))} is not allowed; allowed: ${allowed}` }];
  }
  if (issue.code === 'invalid_type') {
    const got = valueAt(document, where);
    const shown = got === undefined ? 'nothing' : JSON.stringify(got);
    return [{ line, text: `${dotted}: expected ${issue.expected}, got ${shown}` }];
  }
  return [{ line, text: `${dotted}: ${issue.message}` }];
}

function suggestion(key: string, known: string[]): string {
  const ranked = known
    .map((candidate) => ({ candidate, score: distance(key.toLowerCase(), candidate) }))
    .sort((a, b) => a.score - b.score);
  const best = ranked[0];
  const close = best && best.score <= Math.max(2, Math.floor(best.candidate.length / 3));
  const knownList = known.length ? `; known keys: ${known.join(', ')}` : '';
  return close ? `; did you mean "${best.candidate}"?${knownList}` : knownList;
}

/**
 * The keys the schema accepts at a path (the object shape under `sources.<name>` for a source:
 * the member of the union its `type` picks, csv when it has none).
 */
function knownKeysAt(where: readonly string[], document: Document): string[] {
  let schema: unknown = configSchema;
  for (const [index, segment] of where.entries()) {
    const shape = objectShape(schema, document, where.slice(0, index));
    if (shape) schema = shape[segment];
    else if (index > 0 && where[index - 1] === 'sources') schema = recordValue(schema);
    else return [];
  }
  return Object.keys(objectShape(schema, document, where) ?? {});
}

interface SchemaLike {
  readonly def?: {
    type?: string; innerType?: unknown; shape?: Record<string, unknown>; valueType?: unknown; in?: unknown; out?: unknown; schema?: unknown;
    options?: readonly unknown[]; discriminator?: string;
  };
}

function unwrap(schema: unknown): SchemaLike | undefined {
  let current = schema as SchemaLike | undefined;
  // Defaults, optional wrappers, refinements and a preprocess hide the object underneath.
  for (let depth = 0; depth < 10 && current?.def; depth++) {
    const input = current.def.in as SchemaLike | undefined;
    const inner = current.def.innerType ?? (input?.def?.type === 'transform' ? current.def.out : input) ?? current.def.schema;
    if (!inner || current.def.shape || current.def.valueType) break;
    current = inner as SchemaLike;
  }
  return current;
}

function objectShape(schema: unknown, document: Document, where: readonly string[]): Record<string, unknown> | undefined {
  const unwrapped = unwrap(schema);
  const { options, discriminator } = unwrapped?.def ?? {};
  if (!options || discriminator === undefined) return unwrapped?.def?.shape;
  // A union on `type`: the member the document's value picks (lower-cased), or when it has
  // none the member whose `type` has a default (csv for a source, sqlite for the database).
  const written = valueAt(document, [...where, discriminator]);
  for (const option of options) {
    const shape = unwrap(option)?.def?.shape;
    const picked = shape?.[discriminator] as SchemaLike | undefined;
    const literal = unwrap(picked) as { def?: { values?: readonly unknown[] } } | undefined;
    if (typeof written === 'string' ? literal?.def?.values?.includes(written.toLowerCase()) : picked?.def?.type === 'default') return shape;
  }
  return undefined;
}

function recordValue(schema: unknown): unknown {
  return unwrap(schema)?.def?.valueType;
}

function valueAt(document: Document, where: readonly string[]): unknown {
  const node = nodeAt(document, where);
  return isScalar(node) ? node.value : node;
}

/** The line of the value at a path, or of its nearest enclosing value (merged values: where written). */
function lineOfValue(document: Document, lines: LineCounter, where: readonly string[]): number {
  for (let depth = where.length; depth >= 0; depth--) {
    const offset = nodeAt(document, where.slice(0, depth))?.range?.[0];
    if (offset !== undefined) return lines.linePos(offset).line;
  }
  return 1;
}

function lineOfKey(document: Document, lines: LineCounter, parent: readonly string[], key: string): number {
  const offset = (pairAt(document, parent, key)?.key as { range?: [number, number, number] } | undefined)?.range?.[0];
  return offset === undefined ? lineOfValue(document, lines, parent) : lines.linePos(offset).line;
}

function firstLine(text: string): string {
  return text.split('\n')[0] ?? text;
}
