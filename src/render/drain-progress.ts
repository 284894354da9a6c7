// A drain as it happens, for the operator: kubectl drain's own lines, word for word and on the same stream
// (so scripts that read kubectl's output read kmaint's), kmaint's extra progress lines on stderr, the
// preflight plan in a few lines, and a summary table at the end. Or one JSON object per event.

import type { DrainEvent, DrainResult, NodeReport } from '../ops/node/drain-events.ts';
import type { DryRun } from '../ops/node/cordon.ts';
import type { DrainPlan } from '../domain/drain/plan.ts';
import { planSummary } from '../domain/drain/summary.ts';
import { formatGoDuration } from '../domain/duration.ts';
import type { Colours } from './colour.ts';
import { formatTable } from './table.ts';
import { verdictLine } from './drain-plan.ts';

export interface Line {
  stream: 'out' | 'err';
  text: string;
}

function suffix(dryRun: DryRun): string {
  return dryRun === 'client' ? ' (dry run)' : dryRun === 'server' ? ' (server dry run)' : '';
}

function nameOf(ref: string): string {
  return ref.slice(ref.indexOf('/') + 1);
}

function splitRef(ref: string): [string, string] {
  const slash = ref.indexOf('/');
  return [ref.slice(0, slash), ref.slice(slash + 1)];
}

/** kubectl's cordon lines: node/X cordoned, node/X already uncordoned, with the dry-run suffix. */
export function cordonLine(node: string, action: 'cordon' | 'uncordon', result: 'changed' | 'unchanged' | 'failed', dryRun: DryRun, error?: string): Line {
  if (result === 'failed') return { stream: 'err', text: `error: unable to ${action} node "${node}": ${error ?? ''}` };
  return { stream: 'out', text: `node/${node} ${result === 'unchanged' ? 'already ' : ''}${action}ed${suffix(dryRun)}` };
}

/** The preflight plan in a few lines: counts, where pods go, budgets, risks, verdict. */
export function planLines(plan: DrainPlan, c: Colours): string[] {
  const { totals } = planSummary(plan);
  const removed = totals.evict + totals.delete;
  const lines = [
    `Plan: ${removed} pod(s) to remove from ${plan.nodes.length} node(s) (${totals.placed} replacement(s) placed elsewhere, ${totals.pending} left Pending), ${totals.skip} stay, ${totals.blocked} blocked`,
  ];
  for (const budget of plan.budgets) {
    if (budget.evictions === 0) continue;
    lines.push(`  PDB ${budget.ref}: ${budget.evictions} eviction(s), ${budget.allowedNow} at once${budget.verdict === 'blocks' ? ` - blocks: ${budget.reason ?? ''}` : budget.verdict === 'waits' ? ', the rest as replacements become Ready' : ''}`);
  }
  const risks = new Map<string, string[]>();
  for (const risk of plan.risks) risks.set(risk.kind, [...(risks.get(risk.kind) ?? []), risk.ref]);
  for (const [kind, refs] of risks) lines.push(`  risk ${kind}: ${refs.slice(0, 5).join(', ')}${refs.length > 5 ? ` and ${refs.length - 5} more` : ''}`);
  const verdict = verdictLine(plan);
  lines.push(`  ${plan.verdict === 'safe' ? c.green(verdict) : c.yellow(verdict)}`);
  return lines;
}

/** The lines one event prints, in text mode. */
export function drainEventLines(event: DrainEvent, c: Colours): Line[] {
  const err = (text: string): Line[] => [{ stream: 'err', text }];
  const out = (text: string): Line[] => [{ stream: 'out', text }];
  switch (event.type) {
    case 'cordon':
      return [cordonLine(event.node, 'cordon', event.result, event.dryRun, event.error)];
    case 'plan':
      return planLines(event.plan, c).map((text) => ({ stream: 'err', text }));
    case 'node-start':
      return [];
    case 'warning':
      return err(`Warning: ${event.message}`);
    case 'evicting':
      return out(`evicting pod ${event.pod}${suffix(event.dryRun)}`);
    case 'budget-wait':
      return err(c.dim(`waiting for PodDisruptionBudget ${event.budget} to allow evicting ${event.pod}`));
    case 'evict-retry': {
      const [namespace, name] = splitRef(event.pod);
      return err(`error when evicting pods/"${name}" -n "${namespace}" (will retry after ${formatGoDuration(event.retryAfterMs)}): ${event.message}`);
    }
    case 'terminating':
      return err(c.dim(`pod ${event.pod} terminating${event.graceSeconds !== undefined ? ` (grace period ${event.graceSeconds}s)` : ''}`));
    case 'stuck':
      return err(c.yellow(`pod ${event.pod} is still Terminating ${event.overdueSeconds}s past its grace period (stuck: --force-terminating-after DURATION force-deletes such pods)`));
    case 'force-deleted':
      return err(c.yellow(`pod ${event.pod} force-deleted (grace period 0) after being stuck Terminating ${event.overdueSeconds}s past its grace period`));
    case 'gone':
      return out(`pod/${nameOf(event.pod)} ${event.how}`);
    case 'skip-deleted':
      return out(`pod "${nameOf(event.pod)}" has DeletionTimestamp older than ${event.seconds} seconds, skipping`);
    case 'replacement-ready':
      return err(c.dim(`replacement of ${event.pod} Ready: ${event.workload} has ${event.ready} Ready`));
    case 'pod-failed':
      return err(event.error);
    case 'node-drained':
      return out(`node/${event.node} drained${suffix(event.dryRun)}`);
    case 'node-failed': {
      const lines: Line[] = [];
      if (event.pending.length > 0) {
        lines.push({ stream: 'err', text: `There are pending pods in node "${event.node}" when an error occurred: ${event.error}` });
        for (const pod of event.pending) lines.push({ stream: 'err', text: `pod/${nameOf(pod)}` });
      }
      lines.push({ stream: 'err', text: `error: unable to drain node "${event.node}" due to error: ${event.error}, continuing command...` });
      return lines;
    }
    case 'done':
      return doneLines(event.result, c);
  }
}

const OUTCOME_TEXT: Record<NodeReport['outcome'], string> = { drained: 'drained', failed: 'failed', interrupted: 'interrupted', 'not-started': 'not started' };

function summaryTable(result: DrainResult, c: Colours): string {
  const rows = result.nodes.map((n) => [
    n.node,
    n.outcome === 'drained' ? c.green(OUTCOME_TEXT[n.outcome]) : c.red(OUTCOME_TEXT[n.outcome]),
    String(n.evicted + n.deleted),
    String(n.skipped),
    String(n.remaining.length),
    `${Math.round(n.seconds)}s`,
  ]);
  return formatTable(['NODE', 'RESULT', 'REMOVED', 'STAYED', 'LEFT', 'TIME'], rows);
}

/** After the last node: what remains (kubectl's "There are pending nodes"), then the summary table. */
function doneLines(result: DrainResult, c: Colours): Line[] {
  const lines: Line[] = [];
  const pending = result.nodes.filter((n) => n.outcome !== 'drained');
  if (result.status !== 'drained' && pending.length > 0) {
    lines.push({ stream: 'err', text: 'There are pending nodes to be drained:' });
    for (const node of pending) lines.push({ stream: 'err', text: ` ${node.node}` });
  }
  if (result.nodes.length > 0) lines.push({ stream: 'err', text: summaryTable(result, c).trimEnd() });
  return lines;
}

/** -o json: one object per event, with its time; the plan as its summary document. */
export function drainEventJson(event: DrainEvent, now: Date = new Date()): string {
  return JSON.stringify({ time: now.toISOString(), ...event }) + '\n';
}
