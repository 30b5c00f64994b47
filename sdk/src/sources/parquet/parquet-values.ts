/** Pure parts of the parquet type: which key columns it reads, and how values print (see parquet-type.ts). */

export interface KeyColumnShape {
  readonly name: string;
  readonly nested: boolean;
  /** The physical type (BYTE_ARRAY, INT32, …). */
  readonly type?: string;
  readonly convertedType?: string;
  readonly logicalType?: string;
}

/** Why the column cannot hold keys, or undefined when it can. */
export function keyColumnProblem(shape: KeyColumnShape): string | undefined {
  if (shape.nested || shape.type === undefined) return 'a nested column (a list, map or struct)';
  if (shape.type === 'BOOLEAN') return 'a boolean column';
  return undefined;
}

/** A Parquet value as text: see parquet-type.ts for the rules. */
export function parquetText(value: unknown, shape?: KeyColumnShape): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) {
    const iso = value.toISOString();
    return shape?.convertedType === 'DATE' || shape?.logicalType === 'DATE' ? iso.slice(0, 10) : iso;
  }
  if (value instanceof Uint8Array) return new TextDecoder('utf-8').decode(value);
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : inner));
}
