/** The nodes of the Discrepancies view. */
import type * as vscode from 'vscode';
import type { ProbableCandidate } from '../probable-candidates.js';
import type { AuthorityKey, KeyWithSightings, MasterKeyRecord, MasterKeyStatus, ReconcileResult, RunRecord, Sighting } from '@keysync/sdk';

/** The discrepancy kinds the view lists per system. */
export type ListedKind = 'out_of_authority' | 'gap' | 'duplicate';

export type TreeNode =
  /** The config on disk does not load: what is wrong, first line first; a click opens it there. */
  | { readonly type: 'configProblem'; readonly summary: string; readonly file: string; readonly line: number }
  /** The newest run failed; a click shows its error. */
  | { readonly type: 'failedRun'; readonly run: RunRecord }
  /** The last dry run's figures, never stored: a preview beside the last real run. */
  | { readonly type: 'dryRun'; readonly result: ReconcileResult }
  /** `stale` while the config has errors: the figures are from the last config that loaded. */
  | { readonly type: 'summary'; readonly run: RunRecord; readonly pendingNow: number; readonly stale: boolean }
  | { readonly type: 'summaryLine'; readonly item: vscode.TreeItem }
  | { readonly type: 'group'; readonly kind: ListedKind; readonly icon: string; readonly count: number; readonly systems: readonly TreeNode[] }
  | {
      readonly type: 'system';
      readonly kind: ListedKind;
      readonly system: string;
      readonly count: number;
      /** The system's source location (a file, or a place in a database); its keys open there. */
      readonly file: string;
      /** The authority's source location: gaps open there. */
      readonly authorityFile: string;
      readonly authority: string;
      readonly runId: string;
    }
  | {
      readonly type: 'key';
      readonly kind: ListedKind;
      readonly runId: string;
      readonly system: string;
      readonly file: string;
      readonly authorityFile: string;
      readonly authority: string;
      readonly entry: KeyWithSightings | AuthorityKey;
      /** An out-of-authority key's probable matches (docs/behaviour.md §10), best first. */
      readonly candidates?: readonly ProbableCandidate[];
    }
  /** An authority key an out-of-authority key was probably meant to be: link it, or say it is no match. */
  | { readonly type: 'candidate'; readonly authority: string; readonly candidate: ProbableCandidate }
  | ({ readonly type: 'sighting'; readonly system: string; readonly file: string } & Sighting)
  | { readonly type: 'registry'; readonly count: number; readonly statuses: readonly TreeNode[] }
  | { readonly type: 'statusGroup'; readonly status: MasterKeyStatus; readonly count: number }
  | { readonly type: 'masterKey'; readonly record: MasterKeyRecord }
  /** "Show 500 more" under a paged parent. */
  | { readonly type: 'more'; readonly parent: TreeNode; readonly parentId: string; readonly shown: number; readonly total: number };

export type NodeOf<T extends TreeNode['type']> = Extract<TreeNode, { type: T }>;
