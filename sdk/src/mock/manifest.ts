/**
 * Proof that a file is KeySync's own mock output, so that generating mock data never
 * overwrites anything else. Beside the files it writes, the generator keeps
 * `.keysync-mock.json`: each file's name, size and SHA-256 as written. A file is "its own"
 * only while it still matches byte for byte — a header line proves nothing (real exports can
 * share it), and a mock file the user edited afterwards is the user's data.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import path from 'node:path';
import { writeChunksAtomically } from '../io/atomic-file.js';

export const MOCK_MANIFEST_NAME = '.keysync-mock.json';

interface WrittenFile {
  readonly size: number;
  readonly sha256: string;
}

interface Manifest {
  readonly files: Record<string, WrittenFile>;
}

/** True when the file is absent or exactly what the generator last wrote there. */
export function isAbsentOrOwnMockOutput(file: string): boolean {
  if (!existsSync(file)) return true;
  const written = readManifest(path.dirname(file)).files[path.basename(file)];
  if (!written) return false;
  const stat = statSync(file);
  return stat.isFile() && stat.size === written.size && sha256OfFile(file) === written.sha256;
}

/** Records the files just written, merged into their folders' manifests. */
export function recordMockOutput(files: readonly string[]): void {
  const byFolder = new Map<string, string[]>();
  for (const file of files) byFolder.set(path.dirname(file), [...(byFolder.get(path.dirname(file)) ?? []), file]);
  for (const [folder, written] of byFolder) {
    const manifest = readManifest(folder);
    for (const file of written) manifest.files[path.basename(file)] = { size: statSync(file).size, sha256: sha256OfFile(file) };
    const text = `${JSON.stringify({ comment: 'Written by keysync --generate-data: the mock files it may overwrite.', files: manifest.files }, null, 2)}\n`;
    writeChunksAtomically(path.join(folder, MOCK_MANIFEST_NAME), [text], { replace: true });
  }
}

function readManifest(folder: string): Manifest {
  try {
    const parsed = JSON.parse(readFileSync(path.join(folder, MOCK_MANIFEST_NAME), 'utf8')) as Partial<Manifest>;
    return { files: typeof parsed.files === 'object' && parsed.files !== null ? { ...parsed.files } : {} };
  } catch {
    // No manifest, or one that is not ours to trust: nothing here is provably mock output.
    return { files: {} };
  }
}

/** Hashes in 1 MB reads, so a multi-gigabyte mock file never has to fit in memory. */
function sha256OfFile(file: string): string {
  const hash = createHash('sha256');
  const buffer = Buffer.allocUnsafe(1 << 20);
  const fd = openSync(file, 'r');
  try {
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) hash.update(buffer.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}
