/**
 * The text of *KeySync: About*. The SDK's version comes from the SDK itself (`SDK_VERSION`,
 * built in from sdk/package.json), the same figure `keysync --version` prints, so a bug
 * report names the code that ran. Pure: no editor API.
 */
import { SDK_VERSION } from '@keysync/sdk';

export interface AboutHost {
  readonly extensionVersion: string;
  readonly editorVersion: string;
  readonly nodeVersion: string;
}

export function aboutText(host: AboutHost): { readonly message: string; readonly detail: string } {
  return {
    message: `KeySync ${host.extensionVersion} (SDK @keysync/sdk ${SDK_VERSION})`,
    detail: [`Extension: ${host.extensionVersion}`, `SDK: @keysync/sdk ${SDK_VERSION}`, `VS Code: ${host.editorVersion}`, `Node: ${host.nodeVersion}`].join('\n'),
  };
}
