// `kmaint node drain`: kubectl drain's behaviour (cordon every target first, then per node: list its pods,
// run kubectl's filters, evict or delete what they allow, wait until it is gone, "node/X drained"), with its
// flags, defaults and messages, plus what kubectl lacks: a preflight plan, several nodes at once against one
// shared budget account, waiting for budgets instead of retrying blindly, stuck-pod handling, replacements.
//
// Everything is reported as events (drain-events.ts); nothing here prints.

import { setMaxListeners } from 'node:events';
import type { KubeClient } from '../../kube/client.ts';
import { isNotFound, KubeApiError } from '../../kube/errors.ts';
import { isTransient } from '../../kube/retry.ts';
import { Informer } from '../../kube/informer.ts';
import type { KubeObject } from '../../domain/object.ts';
import { aggregateError, daemonSetControllerRef, filterPods, isFinished, type DrainFilterOptions } from '../../domain/drain/filters.ts';
import { planDrain } from '../../domain/drain/plan.ts';
import { parseLabelSelector } from '../../domain/selectors.ts';
import { formatGoDuration } from '../../domain/duration.ts';
import { BudgetGate } from './budget-gate.ts';
import { setSchedulable, type DryRun } from './cordon.ts';
import type { DrainEvent, DrainResult, NodeReport } from './drain-events.ts';
import { resolveNodes, type NodeTarget } from './nodes.ts';
import { POLL_MS, RETRY_DELAY_MS, removePod, type RemovalContext, type RemovalSettings } from './pod-removal.ts';
import { ReplacementGuard } from './replacements.ts';
import { RequestQueue } from './request-queue.ts';
import { ServerClock } from './server-clock.ts';
import { readDrainSnapshot } from './snapshot.ts';

export interface DrainOptions extends DrainFilterOptions {
  /** --pod-selector, as given: it goes into the pod list, as kubectl's does */
  podSelector?: string;
  disableEviction?: boolean;
  /** --grace-period; -1 (default): each pod's own */
  gracePeriodSeconds?: number;
  /** --timeout per node in ms; 0 or undefined: no limit */
  timeoutMs?: number;
  /** --timeout as Go prints it, for kubectl's "global timeout reached: 1m30s" (default: timeoutMs so printed) */
  timeoutText?: string;
  /** --chunk-size: pods listed per page */
  chunkSize?: number;
  dryRun?: DryRun;
  /** nodes drained at the same time; default 1 (kubectl: one after another) */
  parallel?: number;
  waitForReplacements?: boolean;
  forceTerminatingAfterMs?: number;
  /** compute and report the plan before anything changes */
  preflight?: boolean;
  retryDelayMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
  onEvent?: (event: DrainEvent) => void;
}

/**
 * Evictions in flight at once across all nodes: enough to keep an API server busy, few enough that it takes
 * them in the order sent (the longest budget chains first) over reused connections. Measured on the drain
 * benchmark: 8 beats 64 (and sending all at once) by a second or two; 4 is no better.
 */
const EVICTIONS_IN_FLIGHT = 8;
/** how long the first nodes' evictions wait for the slowest of their pod lists at most */
const LISTING_HOLD_MAX_MS = 3_000;

const DAEMONSETS = (namespace: string, name: string): string => `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/daemonsets/${encodeURIComponent(name)}`;

/** kubectl GETs the DaemonSet of every unfinished DaemonSet pod; the filters want the answer synchronously. */
async function daemonSetLookup(client: KubeClient, pods: readonly KubeObject[], signal: AbortSignal): Promise<(namespace: string, name: string) => boolean> {
  const answers = new Map<string, boolean | Error>();
  await Promise.all(
    pods.map(async (pod) => {
      const owner = daemonSetControllerRef(pod);
      if (!owner || isFinished(pod)) return;
      const key = `${pod.metadata.namespace}/${owner.name}`;
      if (answers.has(key)) return;
      answers.set(key, true);
      try {
        await client.request('GET', DAEMONSETS(pod.metadata.namespace ?? '', owner.name), { signal });
      } catch (error) {
        answers.set(key, isNotFound(error) ? false : (error as Error));
      }
    }),
  );
  return (namespace, name) => {
    const answer = answers.get(`${namespace}/${name}`) ?? true;
    if (answer instanceof Error) throw answer;
    return answer;
  };
}

interface Shared {
  client: KubeClient;
  options: DrainOptions;
  gate?: BudgetGate;
  replacements?: ReplacementGuard;
  queue: RequestQueue;
  /** called once by each node's drain when its pods are listed (or it stopped before) */
  listed?: () => void;
  clock: ServerClock;
  emit: (event: DrainEvent) => void;
  signal: AbortSignal;
}

function emptyReport(node: string): NodeReport {
  return { node, outcome: 'not-started', evicted: 0, deleted: 0, forceDeleted: 0, skipped: 0, remaining: [], seconds: 0 };
}

function podRef(pod: KubeObject): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

async function drainNode(node: string, report: NodeReport, shared: Shared): Promise<void> {
  const { client, options, emit, signal } = shared;
  const dryRun = options.dryRun ?? 'none';
  const started = Date.now();
  const pods = new Informer(client, '/api/v1/pods', { fieldSelector: `spec.nodeName=${node}`, labelSelector: options.podSelector || undefined, pageSize: options.chunkSize });
  let announced = false;
  const announce = (): void => {
    if (!announced) shared.listed?.();
    announced = true;
  };
  try {
    await pods.start(signal);
    const listed = [...pods.objects.values()];
    const lookup = await daemonSetLookup(client, listed, signal);
    const filtered = filterPods(listed, options, lookup, new Date(await shared.clock.now(signal)));
    announce();
    report.skipped = filtered.skipped.filter((decision) => !decision.error).length;
    report.remaining = filtered.toEvict.map((decision) => decision.ref);
    emit({ type: 'node-start', node, pods: filtered.toEvict.length });
    if (filtered.error) {
      report.outcome = 'failed';
      report.error = filtered.error;
      report.remaining = [];
      emit({ type: 'node-failed', node, error: filtered.error, pending: [] });
      return;
    }
    if (filtered.warningText) emit({ type: 'warning', node, message: filtered.warningText });
    if (dryRun === 'client') {
      for (const decision of filtered.toEvict) emit({ type: 'evicting', node, pod: decision.ref, dryRun });
      report.remaining = [];
      report.outcome = 'drained';
      emit({ type: 'node-drained', node, dryRun, seconds: (Date.now() - started) / 1000 });
      return;
    }
    const settings: RemovalSettings = {
      node,
      useEviction: !options.disableEviction,
      dryRun,
      gracePeriodSeconds: options.gracePeriodSeconds ?? -1,
      deadline: options.timeoutMs ? Date.now() + options.timeoutMs : undefined,
      timeoutText: options.timeoutText ?? formatGoDuration(options.timeoutMs ?? 0),
      skipWaitForDeleteTimeoutSeconds: options.skipWaitForDeleteTimeoutSeconds,
      forceTerminatingAfterMs: options.forceTerminatingAfterMs,
      retryDelayMs: options.retryDelayMs ?? RETRY_DELAY_MS,
      pollMs: options.pollMs ?? POLL_MS,
    };
    const context: RemovalContext = { client, pods, gate: shared.gate, replacements: shared.replacements, queue: shared.queue, clock: shared.clock, emit, signal };
    const errors: string[] = [];
    const left = new Set(report.remaining);
    await Promise.all(
      filtered.toEvict.map(async ({ pod }) => {
        try {
          const outcome = await removePod(pod, settings, context);
          left.delete(podRef(pod));
          if (outcome.how === 'evicted') report.evicted++;
          else if (outcome.how === 'deleted') report.deleted++;
        } catch (error) {
          if (!signal.aborted) errors.push((error as Error).message);
        }
      }),
    );
    report.remaining = [...left];
    if (signal.aborted) {
      report.outcome = 'interrupted';
      return;
    }
    if (errors.length > 0) {
      report.outcome = 'failed';
      report.error = aggregateError(errors);
      emit({ type: 'node-failed', node, error: report.error as string, pending: report.remaining });
      return;
    }
    report.outcome = 'drained';
    emit({ type: 'node-drained', node, dryRun, seconds: (Date.now() - started) / 1000 });
  } catch (error) {
    if (signal.aborted) {
      report.outcome = 'interrupted';
      return;
    }
    report.outcome = 'failed';
    report.error = (error as Error).message;
    emit({ type: 'node-failed', node, error: report.error, pending: report.remaining });
  } finally {
    announce();
    pods.close();
    report.seconds = (Date.now() - started) / 1000;
  }
}

/**
 * A server error that outlasted the client's retries before any node was drained, made into one line that says
 * what kmaint was doing and which request failed (the server's "Internal error occurred" names nothing) and
 * what to do; every other error (not found, forbidden: kubectl's own messages) as it is.
 */
function explained(doing: string, error: unknown, signal: AbortSignal): unknown {
  if (signal.aborted || !(error instanceof KubeApiError) || !isTransient(error)) return error;
  const request = error.method && error.path ? ` (${error.method} ${error.path.split('?')[0]})` : '';
  return new Error(`${doing}: ${error.message}${request}; it kept failing after retries: run the command again to continue`, { cause: error });
}

/** Reports the plan of draining these nodes (the same planner as `--plan`). */
async function preflight(shared: Shared, names: string[]): Promise<void> {
  const { options } = shared;
  const snapshot = await readDrainSnapshot(shared.client, { signal: shared.signal }).catch((error) => {
    throw explained('cannot read the cluster to plan the drain', error, shared.signal);
  });
  const plan = planDrain(snapshot, names, {
    force: options.force,
    ignoreDaemonSets: options.ignoreDaemonSets,
    deleteEmptyDirData: options.deleteEmptyDirData,
    skipWaitForDeleteTimeoutSeconds: options.skipWaitForDeleteTimeoutSeconds,
    disableEviction: options.disableEviction,
    podSelector: options.podSelector ? parseLabelSelector(options.podSelector) : undefined,
  }, new Date(await shared.clock.now(shared.signal)));
  shared.emit({ type: 'plan', plan });
}

export async function drainNodes(client: KubeClient, target: NodeTarget, options: DrainOptions = {}): Promise<DrainResult> {
  const started = Date.now();
  const signal = options.signal ?? new AbortController().signal;
  // every request and wait of a drain listens to this one signal
  setMaxListeners(0, signal);
  const emit = options.onEvent ?? (() => undefined);
  const dryRun = options.dryRun ?? 'none';
  const nodes = await resolveNodes(client, { ...target, signal }).catch((error) => {
    throw explained('cannot look up the nodes to drain', error, signal);
  });
  const names = nodes.map((node) => node.metadata.name as string);
  const clock = new ServerClock(client);
  const shared: Shared = { client, options, clock, emit, signal, queue: new RequestQueue(EVICTIONS_IN_FLIGHT) };
  const reports = names.map(emptyReport);
  const finish = (status: DrainResult['status'], error?: string): DrainResult => {
    const result: DrainResult = { nodes: reports, status, error, seconds: (Date.now() - started) / 1000 };
    emit({ type: 'done', result });
    return result;
  };

  // the budgets are only read: their watch starts now and is in by the time the plan is made and the nodes
  // are cordoned, rather than one round trip after
  const gate = !options.disableEviction && dryRun === 'none' ? new BudgetGate(client) : undefined;
  const gateStarted = gate?.start(signal);
  gateStarted?.catch(() => undefined); // its failure is met where it is awaited, below
  try {
    if (options.preflight) await preflight(shared, names);

    // every target is cordoned before any is drained, so evicted pods never land on a node about to be drained
    const cordon = await setSchedulable(client, { names, signal }, 'cordon', {
      dryRun,
      fieldManager: 'kmaint-drain',
      onEvent: (event) => emit({ type: 'cordon', node: event.node, result: event.type, dryRun, error: event.type === 'failed' ? event.error : undefined }),
    }).catch((error) => {
      throw explained(`cannot cordon ${names.map((name) => `node "${name}"`).join(', ')}`, error, signal);
    });
    if (cordon.failed.length > 0) {
      gate?.close();
      return finish('failed', `unable to cordon node "${cordon.failed[0].node}": ${cordon.failed[0].error}`);
    }
    await gateStarted;
  } catch (error) {
    gate?.close();
    throw error;
  }
  shared.gate = gate;
  if (options.waitForReplacements && dryRun === 'none') shared.replacements = new ReplacementGuard(client, emit);

  // a node drained by an earlier, interrupted run is drained again: listing its pods finds nothing left to
  // evict, and a pod that landed there since is not missed
  const queue = [...reports];
  // the evictions of the nodes drained first wait until all of them have listed their pods, so that the longest
  // budget chains go first across every node, not in the order the lists came back
  const firstBatch = Math.min(Math.max(1, options.parallel ?? 1), queue.length);
  if (firstBatch > 1) {
    let left = firstBatch;
    shared.queue.holdUntil(new Promise<void>((resolve) => (shared.listed = () => --left === 0 && resolve())), LISTING_HOLD_MAX_MS);
  }
  // kubectl goes on past a node it cannot drain ("continuing command...") and fails at the end with every
  // failed node's error; --parallel stops at the first failure instead
  const stopOnFailure = (options.parallel ?? 1) > 1;
  const failures: string[] = [];
  const worker = async (): Promise<void> => {
    for (let report = queue.shift(); report; report = queue.shift()) {
      if (signal.aborted || (stopOnFailure && failures.length > 0)) return;
      await drainNode(report.node, report, shared);
      if (report.outcome === 'failed') failures.push(report.error ?? 'the drain failed');
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(options.parallel ?? 1, queue.length)) }, worker));
    // --wait-for-replacements: the drain ends when the workloads it touched are whole again
    await shared.replacements?.settle();
  } finally {
    shared.gate?.close();
  }
  if (signal.aborted) return finish('interrupted');
  return failures.length > 0 ? finish('failed', aggregateError(failures)) : finish('drained');
}
