/**
 * Enum values in the config match whatever their case (`INFO`, `Mirror`, `FULL`): the
 * earlier tool wrote `level: INFO`, and people write values as they say them. The value is
 * lower-cased, then checked against the lower-case values, which are what the SDK sees.
 */
import { z } from 'zod';

type Values = readonly [string, ...string[]];

export function caseInsensitiveEnum<const T extends Values>(values: T, defaultValue: T[number]) {
  return (
    z
      .string()
      .transform((value) => value.toLowerCase())
      .pipe(z.enum(values))
      .default(defaultValue)
      // The JSON Schema of a transform is only "a string": editors get the values to offer
      // and a pattern that accepts them in any case. (configJsonSchema puts the default back.)
      .meta({ anyOf: [{ enum: [...values] }, { type: 'string', pattern: anyCasePattern(values) }] })
  );
}

/**
 * A source's `type` (the union picks a member after lower-casing it): the JSON Schema still
 * accepts it in any case, so editors do not flag `type: SQLite`.
 */
export function sourceTypeLiteral<const T extends string>(type: T) {
  return z.literal(type).meta({ anyOf: [{ const: type }, { type: 'string', pattern: anyCasePattern([type]) }] });
}

/** `^(?:[Ii][Nn][Ff][Oo]|…)$`: JSON Schema patterns have no case-insensitive flag. */
export function anyCasePattern(values: Values): string {
  const anyCase = (value: string) =>
    [...value].map((char) => (char.toLowerCase() === char.toUpperCase() ? char.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&') : `[${char.toUpperCase()}${char.toLowerCase()}]`)).join('');
  return `^(?:${values.map(anyCase).join('|')})$`;
}
