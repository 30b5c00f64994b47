/** *KeySync: About* names the SDK version from its one place, sdk/package.json. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { aboutText } from '../../src/about-text.js';

describe('KeySync: About', () => {
  it('shows the extension, the SDK (as sdk/package.json gives it), VS Code and Node versions', () => {
    const sdkVersion = (JSON.parse(readFileSync('sdk/package.json', 'utf8')) as { version: string }).version;
    const about = aboutText({ extensionVersion: '9.8.7', editorVersion: '1.100.3', nodeVersion: '20.20.2' });
    assert.equal(about.message, `KeySync 9.8.7 (SDK @keysync/sdk ${sdkVersion})`);
    assert.equal(about.detail, `Extension: 9.8.7\nSDK: @keysync/sdk ${sdkVersion}\nVS Code: 1.100.3\nNode: 20.20.2`);
  });
});
