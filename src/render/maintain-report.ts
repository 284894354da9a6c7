// When a maintenance does not finish: what was done, what was not, which nodes are left cordoned, and the
// commands that continue from there. The lines go to stderr before the final one-line error.

import type { MaintenanceReport } from '../ops/node/maintain-events.ts';
import { LOCK_NAME, LOCK_NAMESPACE, type HeldLock } from '../domain/nodes/maintenance-lock.ts';
import { summarizeRollout, type MaintenanceStage, type NodeMaintenance } from '../domain/nodes/rollout.ts';
import { humanDuration } from './duration.ts';

/** Commands that continue a stopped maintenance with the operator's own flags. */
export interface Continuation {
  /** `kmaint node maintain NODE --exec ...` */
  maintain(node: string): string;
  /** `kmaint node rollout NODE... --exec ...` */
  rollout(nodes: string[]): string;
  /** `kmaint node remove NODE ...` */
  remove(node: string): string;
}

export type MaintenanceKind = 'maintain' | 'rollout' | 'remove';

const MAINTAIN_STEPS: MaintenanceStage[] = ['drain', 'exec', 'ready', 'uncordon', 'verify'];
const STEP_NAMES: Record<MaintenanceStage, string> = {
  drain: 'cordon and drain',
  exec: 'run the command',
  ready: 'wait for the node to be back',
  uncordon: 'uncordon',
  verify: 'verify',
  delete: 'delete the Node',
};

function stepsAround(stage: MaintenanceStage, kind: MaintenanceKind): { done: string[]; notDone: string[] } {
  const steps: MaintenanceStage[] = kind === 'remove' ? ['drain', 'delete'] : MAINTAIN_STEPS;
  const at = steps.indexOf(stage);
  return { done: steps.slice(0, at).map((s) => STEP_NAMES[s]), notDone: steps.slice(at).map((s) => STEP_NAMES[s]) };
}

function why(node: NodeMaintenance): string {
  return node.outcome === 'failed' ? node.error : node.outcome === 'stopped' ? node.reason : '';
}

/** How to go on with one node that did not finish. */
function nodeAdvice(node: NodeMaintenance, kind: MaintenanceKind, next: Continuation): string {
  if (node.outcome !== 'failed' && node.outcome !== 'stopped') return '';
  const again = kind === 'remove' ? next.remove(node.node) : next.maintain(node.node);
  if (!node.cordoned && node.stage === 'drain') return `${node.node} is schedulable, as it was before; once the cause is fixed, run again: ${again}`;
  if (!node.cordoned) return `${node.node} is schedulable again (uncordoned by someone else); check it (kmaint node health ${node.node}) before running its maintenance again: ${again}`;
  if (node.stage === 'drain' || kind === 'remove') return `${node.node} stays cordoned; fix the cause and run again (${again}), or put it back in service: kmaint node uncordon ${node.node}`;
  return `${node.node} stays cordoned (its pods were moved away); once it is healthy (kmaint node health ${node.node}), uncordon it: kmaint node uncordon ${node.node} - or run its maintenance again: ${again}`;
}

/** The lines that explain an unfinished maintenance of one node (maintain, remove). */
function singleNodeLines(node: NodeMaintenance, kind: MaintenanceKind, next: Continuation): string[] {
  if (node.outcome !== 'failed' && node.outcome !== 'stopped') return [];
  const { done, notDone } = stepsAround(node.stage, kind);
  return [
    `done: ${done.length > 0 ? done.join(', ') : 'nothing'}${node.stage === 'drain' && !node.cordoned ? ' (the drain was undone: the node was uncordoned again)' : ''}`,
    `not done: ${notDone.join(', ')}`,
    `to continue: ${nodeAdvice(node, kind, next)}`,
  ];
}

function rolloutLines(report: MaintenanceReport, next: Continuation): string[] {
  const summary = summarizeRollout(report.nodes);
  const lines = [`done (${summary.done.length}): ${summary.done.join(', ') || '-'}`];
  for (const node of report.nodes) {
    if (node.outcome === 'failed' || node.outcome === 'stopped') lines.push(`${node.outcome} at ${node.stage}: ${node.node}: ${why(node)}${node.cordoned ? ' (stays cordoned)' : ''}`);
  }
  lines.push(`not touched (${summary.untouched.length}): ${summary.untouched.join(', ') || '-'}`);
  lines.push('to continue:');
  for (const node of report.nodes) {
    const advice = nodeAdvice(node, 'rollout', next);
    if (advice) lines.push(`  ${advice}`);
  }
  // nodes of a stopped batch that were not maintained and are schedulable again go with the untouched ones
  const rest = report.nodes.filter((n) => n.outcome === 'untouched').map((n) => n.node);
  if (rest.length > 0) lines.push(`  the nodes not touched: ${next.rollout(rest)}`);
  return lines;
}

export function unfinishedLines(report: MaintenanceReport, kind: MaintenanceKind, next: Continuation): string[] {
  if (report.status === 'done') return [];
  if (kind === 'rollout') return rolloutLines(report, next);
  const [node] = report.nodes;
  return node ? singleNodeLines(node, kind, next) : [];
}

/** The final one-line error. */
export function failureLine(report: MaintenanceReport, kind: MaintenanceKind): string {
  const stopped = report.nodes.find((n) => n.outcome === 'failed') ?? report.nodes.find((n) => n.outcome === 'stopped');
  const where = stopped && (stopped.outcome === 'failed' || stopped.outcome === 'stopped') ? ` at ${stopped.stage}` : '';
  const ended = stopped?.outcome === 'failed' ? 'failed' : 'stopped';
  // interrupted between two steps, no node stopped half-way: nothing more to say than when
  const reason = report.error ?? (stopped ? why(stopped) : report.status === 'interrupted' ? 'between batches' : 'stopped');
  if (kind === 'rollout') {
    const summary = summarizeRollout(report.nodes);
    const at = stopped ? `${stopped.node} ${ended}${where}: ` : '';
    const what = report.status === 'interrupted' && !stopped ? `interrupted ${reason}` : `${report.status === 'interrupted' ? 'interrupted' : 'stopped'}: ${at}${reason}`;
    return `rollout ${what}; ${summary.done.length} of ${report.nodes.length} node(s) done, ${summary.untouched.length} not touched`;
  }
  const name = report.nodes[0]?.node ?? '';
  if (reason === 'interrupted' && stopped && stopped.outcome === 'stopped') {
    return `${kind === 'remove' ? `node "${name}" was not removed: interrupted` : `maintenance of ${name} interrupted`} before the step: ${STEP_NAMES[stopped.stage]}`;
  }
  const how = report.status === 'interrupted' ? `interrupted${where}` : `${ended}${where}`;
  if (kind === 'remove') return `node "${name}" was not removed (${how}): ${reason}`;
  return `maintenance of ${name} ${how}: ${reason}`;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Another run holds the lock: who, since when, until when, and what to do. Times are the API server's. */
export function lockHeldLine(status: HeldLock, nowMs: number): string {
  const since = status.acquiredAtMs !== undefined ? ` since ${iso(status.acquiredAtMs)}` : '';
  const renewed = status.renewedAtMs !== undefined ? ` (last renewed ${humanDuration((nowMs - status.renewedAtMs) / 1000)} ago)` : '';
  const expires = status.expiresAtMs !== undefined && status.durationSeconds > 0
    ? `it expires at ${iso(status.expiresAtMs)} (in ${humanDuration((status.expiresAtMs - nowMs) / 1000)}) unless renewed`
    : 'it has no expiry';
  return `the maintenance lock ${LOCK_NAMESPACE}/${LOCK_NAME} is held by "${status.holderIdentity}"${since}${renewed}; ${expires}. ` +
    'Wait for that maintenance to end, or take the lock over with --break-lock if it is gone';
}
