/** The mock systems every template lists. */
export const TEMPLATE_SYSTEMS = ['A', 'B', 'C', 'D', 'E'] as const;

/**
 * The commented keysync-config.yaml that `--generate-data` and the extension's Create Config
 * write: CSV sources, or with `sqliteFile` (`--generate-data --into`) one table per system in
 * that SQLite file (a path relative to the config's folder).
 */
export function configTemplate(scenario?: string, keysPerSystem?: number, seed?: number, sqliteFile?: string): string {
  return configTemplateWithSources(sqliteFile === undefined ? csvSources : sqliteSources(sqliteFile), scenario, keysPerSystem, seed);
}

/** The template with `sources`, a commented `sources:` section (mock data in a database server: mock/generate.ts). */
export function configTemplateWithSources(sources: string, scenario = 'normal', keysPerSystem = 1000, seed = 42): string {
  return `# KeySync configuration. Relative paths resolve against this file's folder.
# Every key is optional; apart from simulation, the values below are the defaults.
# Schema: @keysync/sdk/schema.json (sdk/schema/keysync-config.schema.json)

# The authoritative system: keys elsewhere that it lacks are "out of authority".
authority: A

${sources}

# Applied in this order: trim, upper-case, runs of space/_/- become one delimiter,
# drop every other non-alphanumeric character, left-pad standalone numbers.
normalize:
  trim_whitespace: true
  uppercase: true
  collapse_delims: "-"
  strip_non_alnum: true
  left_pad_numbers: false
  pad_length: 6

# How master keys are proposed for out-of-authority keys: mirror | namespaced | surrogate.
provisioning:
  strategy: mirror
  namespace_prefix: MASTER
  auto_approve: false

# Probable matches: for each out-of-authority key, the authority keys it was probably
# meant to be (padding, delimiters, typos, confusable characters, a dropped segment).
matching:
  enabled: true
  max_distance: 2       # edit distance; a confusable character (O for 0) costs 0.5
  max_candidates: 3
  min_score: 0.85       # 0-1; 0.7 also lists every edit-distance candidate (docs/behaviour.md §10)

# Mock data (keysync --generate-data): normal | drift | failure | recovery.
simulation:
  seed: ${seed}
  scenario: ${scenario}
  keys_per_system: ${keysPerSystem}

processing:
  mode: full          # full | incremental
  parallel: true
  max_workers: 0      # 0 = one per core

output:
  directory: ./output
  csv_injection_guard: true
  generate_trend_analysis: true

database:
  path: ./data/keysync.db
  busy_timeout_ms: 15000   # how long to wait for another process using the database

logging:
  level: info         # debug | info | warn | error
  file: ./logs/keysync.log

error_handling:
  on_missing_file: skip   # skip | fail (a missing authority always fails)
  on_corrupt_data: log    # log (keep ragged rows) | skip | fail
`;
}

const csvSources = `# Every system, in the order reports list them. Each is a CSV file with a header.
sources:
${TEMPLATE_SYSTEMS.map((system) => `  ${system}: { type: csv, path: ./input/${system}.csv, key_column: key }`).join('\n')}
  # options per source: delimiter: ",", encoding: utf-8 | latin1 | utf-16le`;

function sqliteSources(file: string): string {
  return `# Every system, in the order reports list them. Each is a table in one SQLite file.
sources:
${TEMPLATE_SYSTEMS.map((system) => `  ${system}: { type: sqlite, path: ${JSON.stringify(file)}, table: ${system}, key_column: key }`).join('\n')}
  # or query: "SELECT …" in place of table`;
}
