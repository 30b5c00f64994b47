/**
 * Bytes → text for one source file. Undecodable bytes become U+FFFD, which the row
 * reader reports per line; a file whose bytes contradict the configured encoding as a
 * whole (a UTF-16 byte-order mark read as UTF-8) is refused with the fix named.
 */
import { KeySyncError } from '../errors.js';
import type { SourceEncoding } from './source-file.js';

export const REPLACEMENT_CHARACTER = '\uFFFD';

export function decodeSource(bytes: Uint8Array, encoding: SourceEncoding, file: string): string {
  const utf16Bom = bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
  if (encoding === 'utf-16le') {
    if (bytes[0] === 0xfe && bytes[1] === 0xff) {
      throw new KeySyncError('SOURCE_ENCODING', 'input', 'The file is UTF-16 big-endian, which KeySync does not read.', {
        file,
        line: 1,
        remedy: 'convert it to UTF-8 (iconv -f UTF-16BE -t UTF-8)',
      });
    }
    return new TextDecoder('utf-16le').decode(bytes);
  }
  if (utf16Bom) {
    throw new KeySyncError('SOURCE_ENCODING', 'input', `The file starts with a UTF-16 byte-order mark but is configured as ${encoding}.`, {
      file,
      line: 1,
      remedy: 'set `encoding: utf-16le` for this source, or convert the file to UTF-8',
    });
  }
  // Buffer's latin1 is ISO-8859-1; TextDecoder's 'latin1' label means windows-1252.
  if (encoding === 'latin1') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  // TextDecoder drops a leading UTF-8 BOM, so it can never hide the header (SPEC §2 fix).
  return new TextDecoder('utf-8').decode(bytes);
}
