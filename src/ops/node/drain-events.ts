// What a drain reports as it goes, one event at a time: the renderer turns them into kubectl's lines (and
// kmaint's progress lines) or JSON lines, and the journal keeps what a resumed drain needs.

import type { DrainPlan } from '../../domain/drain/plan.ts';
import type { DryRun } from './cordon.ts';

/** How a pod left: evicted (eviction API), deleted (--disable-eviction), force-deleted (stuck Terminating). */
export type RemovedHow = 'evicted' | 'deleted';

export type DrainEvent =
  | { type: 'cordon'; node: string; result: 'changed' | 'unchanged' | 'failed'; dryRun: DryRun; error?: string }
  | { type: 'plan'; plan: DrainPlan }
  | { type: 'node-start'; node: string; pods: number }
  /** the pods the drain leaves or removes with a warning, kubectl's "Warning: ..." text */
  | { type: 'warning'; node: string; message: string }
  | { type: 'evicting'; node: string; pod: string; dryRun: DryRun }
  /** the budget allows no eviction now: the drain waits for it instead of asking */
  | { type: 'budget-wait'; node: string; pod: string; budget: string }
  /** the eviction was refused (429) and is tried again */
  | { type: 'evict-retry'; node: string; pod: string; message: string; retryAfterMs: number }
  /** the pod is going: eviction or deletion accepted; it terminates within its grace period */
  | { type: 'terminating'; node: string; pod: string; graceSeconds?: number }
  /** still there well past its grace period (+30 s) */
  | { type: 'stuck'; node: string; pod: string; overdueSeconds: number }
  | { type: 'force-deleted'; node: string; pod: string; overdueSeconds: number }
  | { type: 'gone'; node: string; pod: string; how: RemovedHow }
  /** kubectl's --skip-wait-for-delete-timeout */
  | { type: 'skip-deleted'; node: string; pod: string; seconds: number }
  /** --wait-for-replacements: the workload is back to its Ready count */
  | { type: 'replacement-ready'; node: string; pod: string; workload: string; ready: number }
  | { type: 'pod-failed'; node: string; pod: string; error: string }
  | { type: 'node-drained'; node: string; dryRun: DryRun; seconds: number }
  /** `pending`: pods still on the node (kubectl's "There are pending pods ...") */
  | { type: 'node-failed'; node: string; error: string; pending: string[] }
  | { type: 'done'; result: DrainResult };

export type NodeOutcome = 'drained' | 'failed' | 'interrupted' | 'not-started';

export interface NodeReport {
  node: string;
  outcome: NodeOutcome;
  evicted: number;
  deleted: number;
  forceDeleted: number;
  /** pods the drain left: DaemonSet, mirror, skipped */
  skipped: number;
  /** pods still to go when it stopped */
  remaining: string[];
  error?: string;
  seconds: number;
}

export interface DrainResult {
  nodes: NodeReport[];
  /** drained, failed (an error), interrupted (Ctrl-C / abort) */
  status: 'drained' | 'failed' | 'interrupted';
  /** every failed node's error, aggregated as kubectl's final error is (one as is, several as `[a, b]`) */
  error?: string;
  seconds: number;
}
