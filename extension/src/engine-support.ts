/**
 * Which engines (`processing.engine`, docs/behaviour.md §11) a run may use inside the editor.
 * The extension host is one process shared by every extension: KeySync loads no native
 * engine there, so an engine that needs one is refused before the run starts, with what,
 * why and the fix — never loaded, never a crash. Pure: no editor API.
 */
import { KeySyncError } from '@keysync/sdk';

/** Engines whose work runs in a native library, by the package that brings it. */
const NATIVE_ENGINES: Readonly<Record<string, string>> = { duckdb: '@duckdb/node-api' };

/** Why the editor does not run `engine`, or undefined when it does. */
export function editorEngineRefusal(engine: string, configFile: string): KeySyncError | undefined {
  const nativePackage = NATIVE_ENGINES[engine];
  if (nativePackage === undefined) return undefined;
  return new KeySyncError(
    'ENGINE_UNAVAILABLE',
    'config',
    `processing.engine is ${engine}: the editor does not run the ${engine} engine. It runs in a native library (${nativePackage}), ` +
      'which would run inside the editor\'s extension host — shared by every extension, and with up to processing.memory_limit of memory — so KeySync never loads it there.',
    {
      file: configFile,
      remedy: `run the reconciliation in a terminal with the CLI (keysync -c ${configFile}), which runs the ${engine} engine in its own process, or set processing.engine: node to run it here`,
    },
  );
}
