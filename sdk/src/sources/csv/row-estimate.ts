/**
 * About how many rows a CSV file holds, from its size and the lines in its first bytes: what
 * the reader tells the index before the first row (RowSink.expectRows), so that the index
 * sizes its arrays once. Rough on purpose — blank lines, the header and quoted line breaks
 * count as rows — and cheap: it looks at SAMPLE_BYTES whatever the file's size.
 */
const SAMPLE_BYTES = 64 * 1024;
const LF = 0x0a;

/** `start` is the file's first bytes (at least SAMPLE_BYTES of them when the file has that many). */
export function estimateRows(start: Uint8Array, fileBytes: number): number {
  const sample = start.subarray(0, SAMPLE_BYTES);
  if (sample.length === 0) return 0;
  let lines = 0;
  for (let at = sample.indexOf(LF); at >= 0; at = sample.indexOf(LF, at + 1)) lines++;
  return Math.ceil(lines * (fileBytes / sample.length));
}
