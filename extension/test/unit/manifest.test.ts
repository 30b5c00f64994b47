/**
 * The manifest as the Marketplace reads it. `vsce package` itself runs in `npm test`
 * (extension/scripts/package-vsix.mjs), which fails on any warning vsce prints.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

const manifest = JSON.parse(readFileSync('extension/package.json', 'utf8')) as {
  version: string;
  icon: string;
  keywords: string[];
  galleryBanner: { color: string; theme: string };
  repository?: unknown;
};

describe('the extension manifest (Marketplace listing)', () => {
  it('has a 128×128 PNG icon', () => {
    const png = readFileSync(path.join('extension', manifest.icon));
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
  });

  it('has keywords and a gallery banner, and no placeholder repository', () => {
    assert.ok(manifest.keywords.length > 0 && manifest.keywords.length <= 30);
    assert.match(manifest.galleryBanner.color, /^#[0-9a-f]{6}$/i);
    assert.ok(['dark', 'light'].includes(manifest.galleryBanner.theme));
    assert.ok(!JSON.stringify(manifest.repository ?? '').includes('.invalid'), 'no placeholder repository URL');
  });

  it('has a CHANGELOG entry for its version, naming the SDK version it carries', () => {
    const sdkVersion = (JSON.parse(readFileSync('sdk/package.json', 'utf8')) as { version: string }).version;
    const entry = new RegExp(`^## ${manifest.version.replaceAll('.', '\\.')}\\b[^\\n]*\\n+[^#]*@keysync/sdk\` ${sdkVersion.replaceAll('.', '\\.')}`, 'm');
    assert.match(readFileSync('extension/CHANGELOG.md', 'utf8'), entry);
  });

  it("shows screenshots that exist (the packager ships them beside the README)", () => {
    const readme = readFileSync('extension/README.md', 'utf8');
    const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((match) => match[1]!);
    assert.ok(images.length >= 3);
    assert.deepEqual(images.filter((image) => !/^\.\.\/docs\/screenshots\/[\w.-]+\.png$/.test(image) || !existsSync(path.join('extension', image))), []);
  });
});
