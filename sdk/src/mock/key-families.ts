/**
 * The four key families of the earlier tool's mock data, each written its own way so that
 * a demo exercises the normalisation rules: a `-` delimiter and zero-padding (CUST), `_`
 * delimiters and a letter code (PROD), spaces and two digit runs (TXN), a `#` the rules strip
 * (ORD). A key's id picks its family, and its number is the id, so ids never collide.
 *
 * Each family's dirty forms normalise back to its clean key under the default rules — the
 * README's planned match rates equal the measured ones only because they do.
 */

export interface KeyFamily {
  readonly name: string;
  /** A clean key as the family writes it. */
  readonly example: string;
  format(id: number, width: number): string;
  /** The key with its delimiter swapped for another one that normalises the same. */
  swapDelimiter(key: string): string;
  /** The key with its delimiter doubled (or spread into spaces): collapsed back by normalisation. */
  doubleDelimiter(key: string): string;
}

const letterCode = (id: number): string =>
  [id % 26, Math.floor(id / 26) % 26, Math.floor(id / 676) % 26].map((letter) => String.fromCharCode(65 + letter)).join('');

export const KEY_FAMILIES: readonly KeyFamily[] = [
  {
    name: 'CUST',
    example: 'CUST-0001234',
    format: (id, width) => `CUST-${String(id).padStart(width, '0')}`,
    swapDelimiter: (key) => key.replaceAll('-', '_'),
    doubleDelimiter: (key) => key.replaceAll('-', '  '),
  },
  {
    name: 'PROD',
    example: 'PROD_ABC_0000789',
    format: (id, width) => `PROD_${letterCode(id)}_${String(id).padStart(width, '0')}`,
    swapDelimiter: (key) => key.replaceAll('_', '-'),
    doubleDelimiter: (key) => key.replaceAll('_', '__'),
  },
  {
    name: 'TXN',
    example: 'TXN 2024 0000001',
    format: (id, width) => `TXN ${2020 + (id % 6)} ${String(id).padStart(width, '0')}`,
    swapDelimiter: (key) => key.replaceAll(' ', '_'),
    doubleDelimiter: (key) => key.replaceAll(' ', '  '),
  },
  {
    name: 'ORD',
    example: 'ORD#0999999',
    format: (id, width) => `ORD#${String(id).padStart(width, '0')}`,
    swapDelimiter: (key) => key.replace('#', '$'),
    doubleDelimiter: (key) => key.replace('#', '##'),
  },
];

export function familyOf(id: number): KeyFamily {
  return KEY_FAMILIES[id % KEY_FAMILIES.length]!;
}
