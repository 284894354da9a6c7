// One batch of a maintenance, step by step: cordon + drain the batch together, run the command for each node,
// wait until each is back (Ready, a heartbeat after the command), uncordon, verify. Each node's outcome is
// recorded as it is known; a step that fails for one node does not stop the others of its batch.

import type { KubeClient } from '../../kube/client.ts';
import type { KubeObject } from '../../domain/object.ts';
import { serviceProblems, bootId } from '../../domain/nodes/back-in-service.ts';
import type { MaintenanceStage, NodeMaintenance } from '../../domain/nodes/rollout.ts';
import { setSchedulable } from './cordon.ts';
import { drainNodes } from './drain.ts';
import type { DrainResult } from './drain-events.ts';
import type { MaintainEvent } from './maintain-events.ts';
import type { MaintainOptions } from './maintain.ts';
import type { MaintenanceLock } from './maintenance-lock.ts';
import { nodePath } from './nodes.ts';
import { commandSucceeded, describeCommandResult, nodeEnvironment, runShellCommand } from './run-command.ts';
import type { ServerClock } from './server-clock.ts';
import { waitUntilBack } from './wait-back.ts';

/** The API server's Date header counts whole seconds: a reading may be up to this much behind its clock. */
const DATE_HEADER_RESOLUTION_MS = 1_000;

export interface Run {
  client: KubeClient;
  clock: ServerClock;
  options: MaintainOptions;
  emit: (event: MaintainEvent) => void;
  lock: MaintenanceLock;
  /** the operator's Ctrl-C or the lost lock */
  signal: AbortSignal;
  outcomes: Map<string, NodeMaintenance>;
  /** the step under way, for the report when something unexpected stops the run */
  stage: MaintenanceStage;
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Why the run stopped, for the nodes it left half-way. */
export function stopReason(run: Run): string {
  const reason = run.signal.reason;
  return reason instanceof Error && reason.message !== 'interrupted' ? reason.message : 'interrupted';
}

function fail(run: Run, node: string, stage: MaintenanceStage, error: string, cordoned: boolean): void {
  run.outcomes.set(node, { node, outcome: 'failed', stage, error, cordoned });
  run.emit({ type: 'node-failed', node, stage, error, cordoned });
}

export function stop(run: Run, nodes: readonly string[], stage: MaintenanceStage, reason: string, cordoned: boolean): void {
  for (const node of nodes) run.outcomes.set(node, { node, outcome: 'stopped', stage, reason, cordoned });
}

/** Cordon + drain the batch; on failure the nodes this drain cordoned are uncordoned (the command never ran). */
async function drainBatch(run: Run, batch: string[]): Promise<boolean> {
  const { client, emit, signal } = run;
  run.stage = 'drain';
  emit({ type: 'step', stage: 'drain', nodes: batch });
  const cordonedNow = new Set<string>();
  const alreadyCordoned = new Set<string>();
  let result: DrainResult;
  try {
    result = await drainNodes(client, { names: batch, signal }, {
      ...run.options.drain,
      parallel: batch.length,
      signal,
      onEvent(event) {
        if (event.type === 'cordon' && event.result === 'changed') cordonedNow.add(event.node);
        if (event.type === 'cordon' && event.result === 'unchanged') alreadyCordoned.add(event.node);
        emit({ type: 'drain', event });
      },
    });
  } catch (error) {
    result = { nodes: [], status: signal.aborted ? 'interrupted' : 'failed', error: message(error), seconds: 0 };
  }
  if (result.status === 'drained') return true;

  const restored = new Set<string>();
  // a failed drain gives the nodes back as they were; after Ctrl-C or a lost lock they are left as they are
  if (result.status === 'failed' && cordonedNow.size > 0) {
    try {
      await setSchedulable(client, { names: [...cordonedNow] }, 'uncordon', {
        fieldManager: 'kmaint-maintain',
        onEvent: (event) => {
          if (event.type !== 'failed') restored.add(event.node);
          emit({ type: 'restore', node: event.node, result: event.type, error: event.type === 'failed' ? event.error : undefined });
        },
      });
    } catch {
      // the nodes not restored are reported as cordoned below
    }
  }
  const failedNodes = result.nodes.filter((n) => n.outcome === 'failed').map((n) => n.node);
  for (const node of batch) {
    const cordoned = alreadyCordoned.has(node) || (cordonedNow.has(node) && !restored.has(node));
    const report = result.nodes.find((n) => n.node === node);
    if (report?.outcome === 'failed') fail(run, node, 'drain', report.error ?? 'the drain failed', cordoned);
    // no node of its own failed (cordoning did, or the API): the error concerns the whole batch
    else if (result.status === 'failed' && failedNodes.length === 0) fail(run, node, 'drain', result.error ?? 'the drain failed', cordoned);
    else stop(run, [node], 'drain', result.status === 'interrupted' ? stopReason(run) : `the drain of ${failedNodes.join(', ')} failed`, cordoned);
  }
  return false;
}

interface Executed {
  node: string;
  /** server time when the command finished */
  finishedAtMs: number;
  bootIdBefore?: string;
}

/** Runs the command for every node of the batch at once; returns the nodes it succeeded on. */
async function execBatch(run: Run, batch: string[]): Promise<Executed[]> {
  const { client, clock, emit } = run;
  run.stage = 'exec';
  emit({ type: 'step', stage: 'exec', nodes: batch });
  const nodes = await Promise.all(batch.map((node) => client.request<KubeObject>('GET', nodePath(node)).catch(() => undefined)));
  const results = await Promise.all(
    batch.map(async (node, i) => {
      const internalIp = (nodes[i]?.status?.addresses ?? []).find((a: any) => a?.type === 'InternalIP')?.address;
      emit({ type: 'exec-start', node, command: run.options.command });
      const result = await runShellCommand(run.options.command, {
        env: nodeEnvironment(node, internalIp),
        onLine: (stream, line) => emit({ type: 'exec-output', node, stream, line }),
      });
      const finishedAtMs = (await clock.now()) + DATE_HEADER_RESOLUTION_MS;
      const ok = commandSucceeded(result);
      emit({ type: 'exec-done', node, code: result.code, signal: result.signal, seconds: result.seconds, ok, description: describeCommandResult(result) });
      return { node, ok, finishedAtMs, bootIdBefore: nodes[i] ? bootId(nodes[i] as KubeObject) : undefined, description: describeCommandResult(result) };
    }),
  );
  for (const result of results.filter((r) => !r.ok)) {
    const error = `the command ${result.description} on ${result.node}`;
    if (run.signal.aborted) stop(run, [result.node], 'exec', `${stopReason(run)} (${error})`, true);
    else fail(run, result.node, 'exec', error, true);
  }
  return results.filter((r) => r.ok);
}

async function waitBatch(run: Run, executed: Executed[]): Promise<Array<{ node: string; rebooted: boolean }>> {
  const { client, clock, emit, signal } = run;
  run.stage = 'ready';
  emit({ type: 'step', stage: 'ready', nodes: executed.map((e) => e.node) });
  const results = await Promise.all(
    executed.map(async ({ node, finishedAtMs, bootIdBefore }) => {
      try {
        const back = await waitUntilBack(client, clock, node, {
          sinceMs: finishedAtMs,
          bootIdBefore,
          expectReboot: run.options.expectReboot,
          timeoutMs: run.options.readyTimeoutMs,
          signal,
          onWaiting: (waitingFor) => emit({ type: 'waiting-back', node, waitingFor }),
        });
        emit({ type: 'back', node, leaseRenewTime: new Date(back.leaseRenewedAtMs).toISOString(), rebooted: back.rebooted });
        return { node, rebooted: back.rebooted };
      } catch (error) {
        if (signal.aborted) stop(run, [node], 'ready', stopReason(run), true);
        else fail(run, node, 'ready', message(error), true);
        return undefined;
      }
    }),
  );
  return results.filter((r): r is { node: string; rebooted: boolean } => r !== undefined);
}

async function uncordonAndVerify(run: Run, back: Array<{ node: string; rebooted: boolean }>, started: number): Promise<void> {
  const { client, emit } = run;
  const names = back.map((b) => b.node);
  try {
    // the lock may have been taken over while the command ran: never touch nodes under someone else's maintenance
    await run.lock.confirm(run.signal);
  } catch (error) {
    stop(run, names, 'uncordon', run.signal.aborted ? stopReason(run) : message(error), true);
    return;
  }
  run.stage = 'uncordon';
  emit({ type: 'step', stage: 'uncordon', nodes: names });
  const uncordoned = new Set<string>();
  try {
    await setSchedulable(client, { names, signal: run.signal }, 'uncordon', {
      fieldManager: 'kmaint-maintain',
      onEvent(event) {
        emit({ type: 'uncordon', node: event.node, result: event.type, error: event.type === 'failed' ? event.error : undefined });
        if (event.type === 'failed') fail(run, event.node, 'uncordon', `unable to uncordon node "${event.node}": ${event.error}`, true);
        else uncordoned.add(event.node);
      },
    });
  } catch (error) {
    for (const node of names.filter((n) => !uncordoned.has(n))) fail(run, node, 'uncordon', message(error), true);
  }
  run.stage = 'verify';
  emit({ type: 'step', stage: 'verify', nodes: [...uncordoned] });
  for (const { node, rebooted } of back.filter((b) => uncordoned.has(b.node))) {
    try {
      const current = await client.request<KubeObject>('GET', nodePath(node));
      const problems = serviceProblems(current);
      emit({ type: 'verified', node, problems });
      if (problems.length > 0) {
        fail(run, node, 'verify', `node "${node}" is ${problems.join(' and ')}`, current.spec?.unschedulable === true);
        continue;
      }
    } catch (error) {
      fail(run, node, 'verify', message(error), false);
      continue;
    }
    const seconds = (Date.now() - started) / 1000;
    run.outcomes.set(node, { node, outcome: 'done', rebooted, seconds });
    emit({ type: 'node-done', node, seconds, rebooted });
  }
}

/** One batch, start to end; false when the rollout must stop. */
export async function maintainBatch(run: Run, batch: string[]): Promise<boolean> {
  const started = Date.now();
  if (!(await drainBatch(run, batch))) return false;
  if (run.signal.aborted) {
    stop(run, batch, 'exec', stopReason(run), true);
    return false;
  }
  const executed = await execBatch(run, batch);
  if (run.signal.aborted) {
    stop(run, executed.map((e) => e.node), 'ready', stopReason(run), true);
    return false;
  }
  const back = await waitBatch(run, executed);
  if (back.length > 0) await uncordonAndVerify(run, back, started);
  return batch.every((node) => run.outcomes.get(node)?.outcome === 'done');
}
