// A maintenance as it happens, for the operator: a heading per step, the drain's own kubectl lines (as `kmaint
// node drain` prints them), the command's output prefixed with its node, the wait for the node, and a summary
// table at the end. kubectl-style lines (cordon, evictions, uncordon, delete) go to stdout, progress to stderr.
// Or one JSON object per event.

import type { MaintainEvent, MaintenanceReport } from '../ops/node/maintain-events.ts';
import type { MaintenanceStage, NodeMaintenance } from '../domain/nodes/rollout.ts';
import { localClock } from '../domain/window.ts';
import type { Colours } from './colour.ts';
import { cordonLine, drainEventLines, type Line } from './drain-progress.ts';
import { humanDuration } from './duration.ts';
import { formatTable } from './table.ts';

const STEP_TEXT: Record<MaintenanceStage, (nodes: string, many: boolean) => string> = {
  drain: (nodes) => `cordon and drain ${nodes}`,
  exec: (nodes) => `run the command for ${nodes}`,
  ready: (nodes, many) => `wait until ${nodes} ${many ? 'are' : 'is'} back: Ready, with a Lease heartbeat after the command finished`,
  uncordon: (nodes) => `uncordon ${nodes}`,
  verify: (nodes) => `verify ${nodes}: Ready and schedulable`,
  delete: (nodes) => `delete the Node object of ${nodes}`,
};

function seconds(value: number): string {
  return value < 10 ? `${value.toFixed(1)}s` : humanDuration(value);
}

/** A wait as an operator reads a clock: "7h55m", "12m30s", "45s". */
export function waitText(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (h > 0) return `${h}h${m}m`;
  return m > 0 ? `${m}m${seconds % 60}s` : `${seconds}s`;
}

/** "22:00 (in 7h55m)": a time in the server's clock shown as local wall time, with how far off it is. */
function when(iso: string, nowIso: string): string {
  return `${localClock(new Date(iso))} (in ${waitText((Date.parse(iso) - Date.parse(nowIso)) / 1000)})`;
}

/** The lines one event prints, in text mode. */
export function maintainEventLines(event: MaintainEvent, c: Colours): Line[] {
  const err = (text: string): Line[] => [{ stream: 'err', text }];
  switch (event.type) {
    case 'lock-acquired': {
      const lines = err(`lock ${event.lock} taken by "${event.holder}"; renewed while the maintenance runs`);
      if (event.tookOverFrom) {
        lines.push({ stream: 'err', text: c.yellow(`  it was ${event.previous === 'expired' ? 'left to expire' : 'held'} by "${event.tookOverFrom}"${event.previous === 'held' ? ' and is taken over (--break-lock): that run stops at its next step' : ''}`) });
      }
      return lines;
    }
    case 'lock-renewed':
      return [];
    case 'lock-warning':
      return err(c.yellow(`warning: ${event.message}`));
    case 'lock-lost':
      return err(c.red(`${event.message}: stopping before the next step`));
    case 'lock-released':
      return err(c.dim(`lock ${event.lock} released`));
    case 'window-wait':
      return err(`outside the maintenance window ${event.window} (it is ${localClock(new Date(event.now))}): waiting until it opens at ${when(event.opensAt, event.now)}`);
    case 'window-open':
      return err(c.dim(`maintenance window ${event.window} is open${event.closesAt ? ` until ${localClock(new Date(event.closesAt))}` : ''}`));
    case 'batch-start':
      return event.batches > 1 ? err(c.bold(`batch ${event.batch}/${event.batches}: ${event.nodes.join(', ')}`)) : [];
    case 'step':
      return event.nodes.length > 0 ? err(c.bold(`==> ${STEP_TEXT[event.stage](event.nodes.join(', '), event.nodes.length > 1)}`)) : [];
    case 'drain':
      // the maintenance's own summary replaces the drain's
      return event.event.type === 'done' ? [] : drainEventLines(event.event, c);
    case 'restore': {
      const line = cordonLine(event.node, 'uncordon', event.result, 'none', event.error);
      return [line, { stream: 'err', text: c.dim(`  ${event.node} is schedulable again, as before the drain: the command did not run on it`) }];
    }
    case 'exec-start':
      return err(c.dim(`${event.node}: $ ${event.command}   (KMAINT_NODE=${event.node})`));
    case 'exec-output':
      return [{ stream: event.stream, text: `[${event.node}] ${event.line}` }];
    case 'exec-done': {
      const text = `${event.node}: the command ${event.description} after ${seconds(event.seconds)}`;
      return err(event.ok ? c.dim(text) : c.red(text));
    }
    case 'waiting-back':
      return err(c.dim(`${event.node}: waiting for ${event.waitingFor}`));
    case 'back':
      return err(c.green(`${event.node}: back: Ready, Lease renewed at ${event.leaseRenewTime}${event.rebooted ? ', rebooted (new boot id)' : ''}`));
    case 'uncordon':
      return [cordonLine(event.node, 'uncordon', event.result, 'none', event.error)];
    case 'verified':
      return event.problems.length === 0 ? err(c.green(`${event.node}: Ready and schedulable`)) : err(c.red(`${event.node}: ${event.problems.join(', ')}`));
    case 'node-done':
      return err(c.green(`${event.node}: maintenance done in ${seconds(event.seconds)}`));
    case 'node-failed':
      return err(c.red(`${event.node}: failed at ${event.stage}: ${event.error}`));
    case 'node-deleted':
      return [{ stream: 'out', text: `node "${event.node}" deleted` }];
    case 'done':
      return event.report.nodes.length > 0 ? err(summaryTable(event.report, c).trimEnd()) : [];
  }
}

function note(node: NodeMaintenance): string {
  switch (node.outcome) {
    case 'done':
      return `${node.rebooted ? 'rebooted; ' : ''}${seconds(node.seconds)}`;
    case 'failed':
      return `${node.error}${node.cordoned ? '; stays cordoned' : ''}`;
    case 'stopped':
      return `${node.reason}${node.cordoned ? '; stays cordoned' : ''}`;
    case 'untouched':
      return '';
  }
}

const RESULT_TEXT: Record<NodeMaintenance['outcome'], string> = { done: 'done', failed: 'failed', stopped: 'stopped', untouched: 'not touched' };

export function summaryTable(report: MaintenanceReport, c: Colours): string {
  const rows = report.nodes.map((node) => [
    node.node,
    node.outcome === 'done' ? c.green(RESULT_TEXT[node.outcome]) : node.outcome === 'untouched' ? RESULT_TEXT[node.outcome] : c.red(RESULT_TEXT[node.outcome]),
    node.outcome === 'failed' || node.outcome === 'stopped' ? node.stage : '-',
    note(node),
  ]);
  return formatTable(['NODE', 'RESULT', 'STEP', 'NOTE'], rows);
}

/** -o json: one object per event, with its time. */
export function maintainEventJson(event: MaintainEvent, now: Date = new Date()): string {
  return JSON.stringify({ time: now.toISOString(), ...event }) + '\n';
}
