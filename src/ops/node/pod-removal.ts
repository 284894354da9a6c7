// Removing one pod from a node being drained, as kubectl drain does it (k8s.io/kubectl/pkg/drain/drain.go):
// POST the eviction (or DELETE with --disable-eviction); on 429 say so and try again; then wait until the
// pod is gone (404) or replaced by a pod of the same name with another UID. kubectl's messages, word for word.
//
// Beyond kubectl: the eviction waits for room in its budget instead of being refused every 5 s, pods stuck
// Terminating past their grace period are reported (and force-deleted with --force-terminating-after), and
// with --wait-for-replacements a workload's next pod goes only once the last one's replacement is Ready.

import type { KubeClient } from '../../kube/client.ts';
import { sleep } from '../../kube/client.ts';
import { isForbidden, isNotFound, isTooManyRequests, KubeApiError } from '../../kube/errors.ts';
import type { Informer } from '../../kube/informer.ts';
import type { KubeObject } from '../../domain/object.ts';
import { deletedLongAgo } from '../../domain/drain/filters.ts';
import type { BudgetGate } from './budget-gate.ts';
import type { DryRun } from './cordon.ts';
import type { DrainEvent, RemovedHow } from './drain-events.ts';
import type { ReplacementGuard } from './replacements.ts';
import type { ServerClock } from './server-clock.ts';

/** kubectl's pause after a 429 (its hidden --retry-delay-ish constant, drain.go). */
export const RETRY_DELAY_MS = 5_000;
/** how often a pod still terminating is looked at for being stuck */
export const POLL_MS = 1_000;
/** a pod this long past its deletion deadline is reported as stuck (the seeds' "Terminating for ever") */
export const STUCK_AFTER_MS = 30_000;

export interface RemovalSettings {
  node: string;
  useEviction: boolean;
  dryRun: DryRun;
  /** -1: the pod's own grace period */
  gracePeriodSeconds: number;
  /** epoch ms when this node's --timeout runs out; undefined: never */
  deadline?: number;
  /** kubectl's --timeout as given, for its "global timeout reached: 10s" */
  timeoutText: string;
  skipWaitForDeleteTimeoutSeconds?: number;
  /** force-delete (grace 0) a pod this long past its deletion deadline */
  forceTerminatingAfterMs?: number;
  retryDelayMs: number;
  pollMs: number;
}

export interface RemovalContext {
  client: KubeClient;
  /** the node's pods, live */
  pods: Informer;
  gate?: BudgetGate;
  replacements?: ReplacementGuard;
  clock: ServerClock;
  emit: (event: DrainEvent) => void;
  signal: AbortSignal;
}

export class TimeoutReached extends Error {}

function podPath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(name)}`;
}

function ref(pod: KubeObject): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

function remainingMs(settings: RemovalSettings): number {
  return settings.deadline === undefined ? Number.POSITIVE_INFINITY : settings.deadline - Date.now();
}

function timeoutError(settings: RemovalSettings): TimeoutReached {
  return new TimeoutReached(`global timeout reached: ${settings.timeoutText}`);
}

function deleteOptions(settings: RemovalSettings, graceOverride?: number): Record<string, unknown> | undefined {
  const options: Record<string, unknown> = {};
  const grace = graceOverride ?? settings.gracePeriodSeconds;
  if (grace >= 0) options.gracePeriodSeconds = grace;
  if (settings.dryRun === 'server') options.dryRun = ['All'];
  return Object.keys(options).length > 0 ? options : undefined;
}

function isNamespaceTerminating(error: unknown): boolean {
  return isForbidden(error) && error instanceof KubeApiError && error.causes.some((cause) => cause.reason === 'NamespaceTerminating');
}

/** Sleeps up to `ms`, never past the deadline; false when the deadline came first. */
async function pause(ms: number, settings: RemovalSettings, signal: AbortSignal): Promise<boolean> {
  const left = remainingMs(settings);
  await sleep(Math.max(0, Math.min(ms, left)), signal);
  return left > ms;
}

/**
 * Evicts the pod, retrying while its budget refuses. Resolves 'accepted' (the pod is going), 'gone' (it no
 * longer exists, nothing to wait for), or throws kubectl's error for this pod.
 */
async function evict(pod: KubeObject, settings: RemovalSettings, context: RemovalContext): Promise<'accepted' | 'gone'> {
  const { client, gate, emit, signal } = context;
  const namespace = pod.metadata.namespace as string;
  const name = pod.metadata.name as string;
  const prefix = `error when evicting pods/"${name}" -n "${namespace}"`;
  let active = pod;
  let refresh = false;
  for (;;) {
    emit({ type: 'evicting', node: settings.node, pod: ref(pod), dryRun: settings.dryRun });
    if (remainingMs(settings) <= 0) throw new Error(`${prefix}: ${timeoutError(settings).message}`);
    if (refresh) {
      try {
        active = await client.request<KubeObject>('GET', podPath(namespace, name), { signal });
      } catch (error) {
        if (isNotFound(error)) return 'gone';
        throw new Error(`${prefix}: ${(error as Error).message}`, { cause: error });
      }
      if (active.metadata.uid !== pod.metadata.uid) return 'gone';
    }
    let budget: string | undefined;
    if (gate) {
      const answer = await gate.acquire(active, {
        signal,
        maxWaitMs: Math.min(settings.retryDelayMs, remainingMs(settings)),
        onWait: (waitingFor) => emit({ type: 'budget-wait', node: settings.node, pod: ref(pod), budget: waitingFor }),
      });
      if (answer.verdict !== 'free') budget = answer.budget;
    }
    try {
      await client.request('POST', `${podPath(namespace, name)}/eviction`, {
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, deleteOptions: deleteOptions(settings) },
        signal,
      });
      return 'accepted';
    } catch (error) {
      if (isNotFound(error)) return 'gone';
      if (isTooManyRequests(error)) {
        gate?.refused(budget, name);
        const message = (error as Error).message;
        emit({ type: 'evict-retry', node: settings.node, pod: ref(pod), message, retryAfterMs: settings.retryDelayMs });
        // the budget's next status wakes the retry early (the gate), else kubectl's 5 s
        if (!gate && !(await pause(settings.retryDelayMs, settings, signal))) continue;
        refresh = true;
        continue;
      }
      if (budget) gate?.release(budget, name);
      if (isNamespaceTerminating(error)) {
        if (active.metadata.deletionTimestamp) return 'accepted';
        await pause(settings.retryDelayMs, settings, signal);
        refresh = true;
        continue;
      }
      throw new Error(`${prefix}: ${(error as Error).message}`, { cause: error });
    }
  }
}

async function deletePod(pod: KubeObject, settings: RemovalSettings, context: RemovalContext, graceOverride?: number): Promise<'accepted' | 'gone'> {
  try {
    await context.client.request('DELETE', podPath(pod.metadata.namespace as string, pod.metadata.name as string), {
      body: deleteOptions(settings, graceOverride),
      query: { dryRun: settings.dryRun === 'server' ? 'All' : undefined },
      signal: context.signal,
    });
    return 'accepted';
  } catch (error) {
    if (isNotFound(error)) return 'gone';
    throw error;
  }
}

/** How far past its deletion deadline the pod is, in ms (negative: still within its grace period). */
function overdueMs(pod: KubeObject, serverNow: number): number {
  const deadline = pod.metadata.deletionTimestamp;
  return deadline ? serverNow - Date.parse(deadline) : Number.NEGATIVE_INFINITY;
}

/**
 * Waits until the pod is gone or replaced (another UID), watching the node's pods; reports it stuck, force
 * deletes it when asked, and honours --skip-wait-for-delete-timeout. Resolves how it went.
 */
async function waitGone(pod: KubeObject, settings: RemovalSettings, context: RemovalContext): Promise<'gone' | 'skipped'> {
  const key = ref(pod);
  const uid = pod.metadata.uid;
  const gone = (): boolean => context.pods.objects.get(key)?.metadata.uid !== uid;
  let reportedStuck = false;
  let forced = false;
  for (;;) {
    const left = remainingMs(settings);
    if (left <= 0) throw timeoutError(settings);
    if (await context.pods.waitFor(gone, { signal: context.signal, timeoutMs: Math.min(settings.pollMs, left) })) return 'gone';
    const current = context.pods.objects.get(key);
    if (!current?.metadata.deletionTimestamp) continue;
    const now = await context.clock.now(context.signal);
    if (deletedLongAgo(current, settings.skipWaitForDeleteTimeoutSeconds, new Date(now))) {
      context.emit({ type: 'skip-deleted', node: settings.node, pod: key, seconds: settings.skipWaitForDeleteTimeoutSeconds as number });
      return 'skipped';
    }
    const overdue = overdueMs(current, now);
    if (!reportedStuck && overdue > STUCK_AFTER_MS) {
      reportedStuck = true;
      context.emit({ type: 'stuck', node: settings.node, pod: key, overdueSeconds: Math.round(overdue / 1000) });
    }
    if (!forced && settings.forceTerminatingAfterMs !== undefined && overdue > settings.forceTerminatingAfterMs) {
      forced = true;
      await deletePod(current, settings, context, 0);
      context.emit({ type: 'force-deleted', node: settings.node, pod: key, overdueSeconds: Math.round(overdue / 1000) });
    }
  }
}

export interface RemovalOutcome {
  how?: RemovedHow | 'force-deleted';
  /** the pod was gone before anything was sent (or skipped by --skip-wait-for-delete-timeout) */
  skipped?: boolean;
}

/** One pod, from its eviction or deletion to its disappearance. Throws kubectl's error for the pod. */
export async function removePod(pod: KubeObject, settings: RemovalSettings, context: RemovalContext): Promise<RemovalOutcome> {
  const how: RemovedHow = settings.useEviction ? 'evicted' : 'deleted';
  const release = await context.replacements?.acquire(pod, settings, context.signal);
  let sent: 'accepted' | 'gone' = 'gone';
  try {
    sent = settings.useEviction ? await evict(pod, settings, context) : await deletePod(pod, settings, context);
  } finally {
    release?.(sent === 'accepted');
  }
  if (sent === 'gone') return { skipped: true };
  if (settings.dryRun === 'server') return { how };
  context.emit({ type: 'terminating', node: settings.node, pod: ref(pod), graceSeconds: settings.gracePeriodSeconds >= 0 ? settings.gracePeriodSeconds : pod.spec?.terminationGracePeriodSeconds });
  try {
    const result = await waitGone(pod, settings, context);
    if (result === 'skipped') return { skipped: true };
  } catch (error) {
    if (!context.signal.aborted) {
      throw new Error(`error when waiting for pod "${pod.metadata.name}" in namespace "${pod.metadata.namespace}" to terminate: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
  context.emit({ type: 'gone', node: settings.node, pod: ref(pod), how });
  return { how };
}
