/**
 * Bytes → text for one source file. Undecodable bytes become U+FFFD, which the row
 * reader reports per line; a file whose bytes contradict the configured encoding as a
 * whole (a UTF-16 byte-order mark read as UTF-8, UTF-16 text without one) is refused
 * with the fix named.
 */
import { KeySyncError } from '../../errors.js';
import type { SourceEncoding } from '../source-file.js';

export function decodeSource(bytes: Uint8Array, encoding: SourceEncoding, file: string): string {
  refuseContradictingEncoding(bytes, encoding, file);
  if (encoding === 'utf-16le') return new TextDecoder('utf-16le').decode(bytes);
  // Buffer's latin1 is ISO-8859-1; TextDecoder's 'latin1' label means windows-1252.
  if (encoding === 'latin1') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  // TextDecoder drops a leading UTF-8 BOM, so it can never hide the header (docs/behaviour.md §2).
  return new TextDecoder('utf-8').decode(bytes);
}

/**
 * decodeSource for a file read in chunks of an 8-bit or UTF-8 encoding: each chunk's text, a
 * character cut between chunks decoded whole; `bytes` of the first chunk are checked as
 * decodeSource checks the whole file's first bytes.
 */
export function chunkDecoder(encoding: 'utf-8' | 'latin1', file: string): (bytes: Uint8Array, last: boolean) => string {
  const utf8 = new TextDecoder('utf-8');
  let first = true;
  return (bytes, last) => {
    if (first) refuseContradictingEncoding(bytes, encoding, file);
    first = false;
    if (encoding === 'latin1') return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    return utf8.decode(bytes, { stream: !last });
  };
}

/** A file whose first bytes contradict the configured encoding as a whole, refused with the fix named. */
function refuseContradictingEncoding(bytes: Uint8Array, encoding: SourceEncoding, file: string): void {
  const utf16Bom = bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff));
  const withoutBom = utf16Bom ? undefined : utf16WithoutBom(bytes);
  if (encoding === 'utf-16le') {
    if ((bytes[0] === 0xfe && bytes[1] === 0xff) || withoutBom === 'big-endian') {
      throw new KeySyncError('SOURCE_ENCODING', 'input', 'The file is UTF-16 big-endian, which KeySync does not read.', {
        file,
        line: 1,
        remedy: 'convert it to UTF-8 (iconv -f UTF-16BE -t UTF-8)',
      });
    }
    return;
  }
  if (utf16Bom) {
    throw new KeySyncError('SOURCE_ENCODING', 'input', `The file starts with a UTF-16 byte-order mark but is configured as ${encoding}.`, {
      file,
      line: 1,
      remedy: 'set `encoding: utf-16le` for this source, or convert the file to UTF-8',
    });
  }
  if (withoutBom) {
    throw new KeySyncError(
      'SOURCE_ENCODING',
      'input',
      `The file looks like UTF-16 ${withoutBom} text without a byte-order mark (every other byte of its first line is NUL) but is configured as ${encoding}.`,
      {
        file,
        line: 1,
        remedy:
          withoutBom === 'little-endian'
            ? 'set `encoding: utf-16le` for this source, or convert the file to UTF-8'
            : 'convert it to UTF-8 (iconv -f UTF-16BE -t UTF-8)',
      },
    );
  }
}

/** Bytes of the first line looked at: enough to tell, small enough to cost nothing. */
const SNIFF_BYTES = 64;

/**
 * Text read as 8-bit or UTF-8 never has NUL bytes in its header; UTF-16 text of Latin
 * letters, digits and punctuation has one in every pair — the high byte, second in
 * little-endian, first in big-endian.
 */
function utf16WithoutBom(bytes: Uint8Array): 'little-endian' | 'big-endian' | undefined {
  const pairs = Math.min(bytes.length, SNIFF_BYTES) >> 1;
  if (pairs < 2) return undefined;
  let lowNul = 0;
  let highNul = 0;
  for (let pair = 0; pair < pairs; pair++) {
    const first = bytes[2 * pair]!;
    const second = bytes[2 * pair + 1]!;
    // A line end (0A 00 or 00 0A) ends the header: look no further.
    if (first === 0x0a || second === 0x0a) {
      if (pair < 2) return undefined;
      break;
    }
    if (first === 0 && second !== 0) lowNul++;
    else if (second === 0 && first !== 0) highNul++;
    else return undefined;
  }
  if (highNul > 0 && lowNul === 0) return 'little-endian';
  if (lowNul > 0 && highNul === 0) return 'big-endian';
  return undefined;
}
