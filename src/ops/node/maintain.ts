// `kmaint node maintain` and `kmaint node rollout`: a maintenance of nodes end to end, under the cluster-wide
// lock: resolve the nodes, wait for the window, take the lock, run the batches (maintain-batch.ts; maintain is a
// rollout of one node) until one fails, read back what is left cordoned, give the lock back, report.
//
// Everything is reported as events (maintain-events.ts); nothing here prints.

import { setMaxListeners } from 'node:events';
import type { KubeClient } from '../../kube/client.ts';
import type { KubeObject } from '../../domain/object.ts';
import { batches, withCordonState } from '../../domain/nodes/rollout.ts';
import { isInWindow, nextWindowOpening, windowClosing, type DailyWindow } from '../../domain/window.ts';
import { isCordoned } from './cordon.ts';
import type { DrainOptions } from './drain.ts';
import type { MaintainEvent, MaintenanceReport } from './maintain-events.ts';
import { maintainBatch, message, stop, stopReason, type Run } from './maintain-batch.ts';
import { runLocked, type LockedRunOptions } from './maintenance-lock.ts';
import { nodePath, resolveNodes, type NodeTarget } from './nodes.ts';
import { ServerClock } from './server-clock.ts';
import { sleepUntilServerTime } from './server-time.ts';

export interface MaintainOptions {
  /** the shell command run for each node (--exec) */
  command: string;
  /** nodes per batch (rollout's --max-unavailable); 1 by default */
  maxUnavailable?: number;
  /** start batches only inside this daily window */
  window?: DailyWindow;
  /** the drain flags; parallel, signal and onEvent are set here */
  drain: DrainOptions;
  /** how long (server time) a node may take to be back after the command */
  readyTimeoutMs: number;
  expectReboot?: boolean;
  lock: LockedRunOptions;
  signal?: AbortSignal;
  onEvent?: (event: MaintainEvent) => void;
}

async function waitForWindow(clock: ServerClock, window: DailyWindow, signal: AbortSignal, emit: (event: MaintainEvent) => void): Promise<void> {
  const now = await clock.now(signal);
  if (!isInWindow(window, new Date(now))) {
    const opens = nextWindowOpening(window, new Date(now));
    emit({ type: 'window-wait', window: window.text, now: new Date(now).toISOString(), opensAt: opens.toISOString() });
    await sleepUntilServerTime(clock, opens.getTime(), { signal });
  }
  const opened = new Date(await clock.now(signal));
  emit({ type: 'window-open', window: window.text, now: opened.toISOString(), closesAt: windowClosing(window, opened)?.toISOString() });
}

/** Reads whether each node left half-way is cordoned now: another run (--break-lock) may have changed it. */
async function actualCordonStates(run: Run): Promise<void> {
  await Promise.all(
    [...run.outcomes.values()].map(async (outcome) => {
      if (outcome.outcome !== 'failed' && outcome.outcome !== 'stopped') return;
      try {
        const node = await run.client.request<KubeObject>('GET', nodePath(outcome.node));
        run.outcomes.set(outcome.node, withCordonState(outcome, isCordoned(node)));
      } catch {
        // unreadable: keep what the run last knew
      }
    }),
  );
}

function finalReport(run: Run, started: number, userSignal: AbortSignal): MaintenanceReport {
  const nodes = [...run.outcomes.values()];
  const firstFailure = nodes.find((n) => n.outcome === 'failed');
  const firstStop = nodes.find((n) => n.outcome === 'stopped');
  const status = nodes.every((n) => n.outcome === 'done') ? 'done' : userSignal.aborted ? 'interrupted' : 'failed';
  const error = firstFailure?.outcome === 'failed' ? firstFailure.error : firstStop?.outcome === 'stopped' ? firstStop.reason : undefined;
  return { nodes, status, error, seconds: (Date.now() - started) / 1000 };
}

export async function maintainNodes(client: KubeClient, target: NodeTarget, options: MaintainOptions): Promise<MaintenanceReport> {
  const started = Date.now();
  const userSignal = options.signal ?? new AbortController().signal;
  const emit = options.onEvent ?? (() => undefined);
  const names = (await resolveNodes(client, { ...target, signal: userSignal })).map((node) => node.metadata.name as string);
  const clock = new ServerClock(client);
  const untouched = (): MaintenanceReport => ({ nodes: names.map((node) => ({ node, outcome: 'untouched' })), status: 'interrupted', seconds: (Date.now() - started) / 1000 });
  // the first window is waited for before the lock is taken: a rollout scheduled for tonight does not block
  // today's maintenances; between batches the lock is kept, the rollout being under way
  if (options.window) {
    try {
      await waitForWindow(clock, options.window, userSignal, emit);
    } catch (error) {
      if (!userSignal.aborted) throw error;
      const report = untouched();
      emit({ type: 'done', report });
      return report;
    }
  }
  const report = await runLocked(client, clock, { ...options.lock, signal: userSignal, onEvent: emit }, async (lock, signal) => {
    // every request and wait of the maintenance listens to this one signal
    setMaxListeners(0, signal);
    const run: Run = { client, clock, options, emit, lock, signal, outcomes: new Map(names.map((node) => [node, { node, outcome: 'untouched' }])), stage: 'drain' };
    const all = batches(names, options.maxUnavailable ?? 1);
    for (const [index, batch] of all.entries()) {
      try {
        if (options.window && index > 0) await waitForWindow(clock, options.window, signal, emit);
        await lock.confirm(signal);
      } catch (error) {
        if (!signal.aborted) throw error;
        break;
      }
      emit({ type: 'batch-start', batch: index + 1, batches: all.length, nodes: batch });
      try {
        if (!(await maintainBatch(run, batch))) break;
      } catch (error) {
        // an unexpected failure (the API server gone, say): the batch's unfinished nodes say where it stopped
        const unfinished = batch.filter((node) => run.outcomes.get(node)?.outcome === 'untouched');
        stop(run, unfinished, run.stage, signal.aborted ? stopReason(run) : message(error), true);
        break;
      }
    }
    await actualCordonStates(run);
    return finalReport(run, started, userSignal);
  });
  emit({ type: 'done', report });
  return report;
}
