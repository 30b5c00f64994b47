/**
 * The words of the Discrepancies view: group and status labels (sentence case, counts in
 * the description) and what a screen reader announces for a row. Pure: no editor API, so
 * it is unit-tested outside the editor.
 */
import type { MasterKeyStatus } from '@keysync/sdk';
import { countOf } from '../format.js';
import type { ListedKind } from './tree-nodes.js';

/** The singular and plural noun for one entry of each discrepancy kind. */
const ENTRY_NOUNS: Readonly<Record<ListedKind, readonly [string, string]>> = {
  out_of_authority: ['out-of-authority key', 'out-of-authority keys'],
  gap: ['propagation gap', 'propagation gaps'],
  duplicate: ['duplicate group', 'duplicate groups'],
};

export const GROUP_LABELS: Readonly<Record<ListedKind, string>> = {
  out_of_authority: 'Out of authority',
  gap: 'Propagation gaps',
  duplicate: 'Duplicates',
};

/** "Proposed", "Active", … */
export function statusLabel(status: MasterKeyStatus): string {
  return status.charAt(0).toUpperCase() + status.slice(1);
}

/** "834 out-of-authority keys" */
export function kindCount(kind: ListedKind, count: number): string {
  const [singular, plural] = ENTRY_NOUNS[kind];
  return countOf(count, singular, plural);
}

/** A system under a group: "System B, 834 out-of-authority keys" (its tooltip is the file path). */
export function systemAccessibilityLabel(system: string, kind: ListedKind, count: number): string {
  return `System ${system}, ${kindCount(kind, count)}`;
}

/** A discrepancy group: "Out of authority, 3 out-of-authority keys". */
export function groupAccessibilityLabel(kind: ListedKind, count: number): string {
  return `${GROUP_LABELS[kind]}, ${kindCount(kind, count)}`;
}

/** A status group: "Proposed, 1,109 master keys". */
export function statusGroupAccessibilityLabel(status: MasterKeyStatus, count: number): string {
  return `${statusLabel(status)}, ${countOf(count, 'master key')}`;
}

/**
 * Any other row: its label and description, which carry its figures (the tooltip, which a
 * screen reader would read otherwise, is often a file path). "·" reads as a pause.
 */
export function rowAccessibilityLabel(label: string, description: string | undefined): string {
  return description ? `${label}, ${description.replaceAll(' · ', ', ')}` : label;
}
