/** What one baseline tool reports for a folder of system CSVs, in the shape the benchmark compares with KeySync. */
export interface BaselineResult {
  readonly tool: 'duckdb' | 'coreutils';
  /** Wall-clock time of the whole run, tool start-up included. */
  readonly wallMs: number;
  /** Per downstream system S: distinct normalised keys in the authority that S lacks (A − S). */
  readonly gaps: Record<string, number>;
  /** Distinct normalised keys in some downstream system but not in the authority. */
  readonly outOfAuthority: number;
  readonly keysPerSystem: Record<string, number>;
  /** False when the tool does not parse CSV as RFC 4180, so its counts can differ from KeySync's on the same files. */
  readonly exact: boolean;
}
