// What a maintenance (maintain, rollout, remove) reports as it goes: the lock, the window, each batch and step,
// the drain's own events (wrapped), the command's output, the wait for the node, and the final report. The
// renderer turns them into progress lines or JSON lines.

import type { MaintenanceStage, NodeMaintenance } from '../../domain/nodes/rollout.ts';
import type { DrainEvent } from './drain-events.ts';
import type { LockEvent } from './maintenance-lock.ts';

export type MaintainEvent =
  | LockEvent
  /** outside --window: waiting until it opens (times are the API server's) */
  | { type: 'window-wait'; window: string; now: string; opensAt: string }
  /** `now`: the API server's time when it was found open */
  | { type: 'window-open'; window: string; now: string; closesAt?: string }
  | { type: 'batch-start'; batch: number; batches: number; nodes: string[] }
  | { type: 'step'; stage: MaintenanceStage; nodes: string[] }
  | { type: 'drain'; event: DrainEvent }
  /** a drain failed: the nodes it cordoned are uncordoned again (the command never ran on them) */
  | { type: 'restore'; node: string; result: 'changed' | 'unchanged' | 'failed'; error?: string }
  | { type: 'exec-start'; node: string; command: string }
  | { type: 'exec-output'; node: string; stream: 'out' | 'err'; line: string }
  | { type: 'exec-done'; node: string; code: number | null; signal: string | null; seconds: number; ok: boolean; description: string }
  | { type: 'waiting-back'; node: string; waitingFor: string }
  | { type: 'back'; node: string; leaseRenewTime: string; rebooted: boolean }
  | { type: 'uncordon'; node: string; result: 'changed' | 'unchanged' | 'failed'; error?: string }
  | { type: 'verified'; node: string; problems: string[] }
  | { type: 'node-done'; node: string; seconds: number; rebooted: boolean }
  | { type: 'node-failed'; node: string; stage: MaintenanceStage; error: string; cordoned: boolean }
  /** node remove: the Node object is gone */
  | { type: 'node-deleted'; node: string }
  | { type: 'done'; report: MaintenanceReport };

export interface MaintenanceReport {
  nodes: NodeMaintenance[];
  /** done: every node maintained; failed: a step failed (or the lock was lost); interrupted: Ctrl-C */
  status: 'done' | 'failed' | 'interrupted';
  /** the first failure, in one line */
  error?: string;
  seconds: number;
}
