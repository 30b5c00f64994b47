/**
 * The config a workspace runs with: every default applied and every path resolved against
 * the config file's folder — what `keysync config check` prints.
 */
import path from 'node:path';
import type { KeySyncConfig } from './load.js';
import type { KeySyncConfigValues, SourceConfig } from './schema.js';

export type EffectiveConfig = Omit<KeySyncConfigValues, 'sources'> & {
  /** In config order (an object would list integer-like names such as "2" first). */
  readonly sources: ReadonlyMap<string, SourceConfig>;
};

/** A URL as it may be shown: a password written into it becomes `***` (docs/decisions.md §19). */
function withoutPassword(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*):[^@/]*@/, '$1:***@');
}

export function effectiveConfig({ values, baseDir }: KeySyncConfig): EffectiveConfig {
  const resolve = (file: string) => path.resolve(baseDir, file);
  const { authority, sources, ...sections } = values;
  return {
    // The order a config is written in: the authority and the systems first.
    authority,
    sources: new Map([...sources].map(([system, source]) => [system, 'path' in source ? { ...source, path: resolve(source.path) } : source])),
    ...sections,
    output: { ...values.output, directory: resolve(values.output.directory) },
    database: values.database.type === 'sqlite' ? { ...values.database, path: resolve(values.database.path) } : { ...values.database, url: withoutPassword(values.database.url) },
    logging: { ...values.logging, file: values.logging.file === null ? null : resolve(values.logging.file) },
  };
}
