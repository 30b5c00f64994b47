/**
 * The SDK's version. It is kept in one place, `sdk/package.json`; the build writes it in
 * (esbuild `define`, see esbuild.mjs) for the SDK, the CLI and the extension bundle alike.
 */
declare const KEYSYNC_VERSION: string;

/**
 * The version of `@keysync/sdk` this code was built as — what `keysync --version` prints and
 * the extension's *KeySync: About* shows. Code run from source without a build (tsx) reports
 * `0.0.0-dev`.
 *
 * @example
 * ```ts
 * import { SDK_VERSION } from '@keysync/sdk';
 * console.log(`built against @keysync/sdk ${SDK_VERSION}`);
 * ```
 */
export const SDK_VERSION: string = typeof KEYSYNC_VERSION === 'string' ? KEYSYNC_VERSION : '0.0.0-dev';
