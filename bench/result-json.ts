/**
 * Bench results as committed JSON: paths inside the repository are written relative to it, so
 * a results file says where a run's files were without naming the machine it ran on.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function resultJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, field: unknown) => (typeof field === 'string' && field.startsWith(`${repo}${path.sep}`) ? path.relative(repo, field) : field), 2)}\n`;
}
