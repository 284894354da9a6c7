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
import { isBudgetRefusal, isTransient, retryDelayMs, TRANSIENT_RETRY, withRetries } from '../../kube/retry.ts';
import type { Informer } from '../../kube/informer.ts';
import type { KubeObject } from '../../domain/object.ts';
import { deletedLongAgo } from '../../domain/drain/filters.ts';
import { GRANT_TTL_MS } from '../../domain/drain/budget-ledger.ts';
import { formatGoDuration } from '../../domain/duration.ts';
import type { BudgetGate } from './budget-gate.ts';
import type { DryRun } from './cordon.ts';
import type { DrainEvent, RemovedHow } from './drain-events.ts';
import type { ReplacementGuard } from './replacements.ts';
import type { RequestQueue } from './request-queue.ts';
import type { ServerClock } from './server-clock.ts';

/** kubectl's pause after a 429 (its hidden --retry-delay-ish constant, drain.go). */
export const RETRY_DELAY_MS = 5_000;
/** how often a pod still terminating is looked at for being stuck */
export const POLL_MS = 1_000;
/**
 * A pod waiting for room in its budget is sent its eviction anyway after this long, in case the budget's watch
 * missed an update: the ledger's horizon for missed updates, not kubectl's 5 s, so that a drain waiting on
 * many budgets does not send the server refused evictions every 5 s.
 */
export const BUDGET_RECHECK_MS = GRANT_TTL_MS;
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
  /** evictions of every node of the drain, sent a few at a time, the longest budget chains first */
  queue?: RequestQueue;
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

/** What kubectl v1.35 reports when --timeout runs out while it waits for pods to go: its context's error. */
const WAIT_DEADLINE = 'context deadline exceeded';

function deleteOptions(settings: RemovalSettings, graceOverride?: number): Record<string, unknown> | undefined {
  const options: Record<string, unknown> = {};
  const grace = graceOverride ?? settings.gracePeriodSeconds;
  if (grace >= 0) options.gracePeriodSeconds = grace;
  if (settings.dryRun === 'server') options.dryRun = ['All'];
  return Object.keys(options).length > 0 ? options : undefined;
}

/** A pod being deleted is sent its eviction/deletion again only when --grace-period would end it sooner. */
function shortensGrace(pod: KubeObject, settings: RemovalSettings): boolean {
  const current = pod.metadata.deletionGracePeriodSeconds;
  return settings.gracePeriodSeconds >= 0 && current !== undefined && settings.gracePeriodSeconds < Number(current);
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
  // beyond kubectl, which gives up at once: a server error, a conflict or a lost connection is tried again a
  // few times (with backoff, saying so in kubectl's retry line) before it becomes the pod's error
  let transientFailures = 0;
  const retryLater = async (error: unknown): Promise<boolean> => {
    if (!isTransient(error, { conflicts: true }) || ++transientFailures > TRANSIENT_RETRY.retries) return false;
    const wait = retryDelayMs(error, transientFailures, TRANSIENT_RETRY);
    emit({ type: 'evict-retry', node: settings.node, pod: ref(pod), message: (error as Error).message, retryAfterMs: wait });
    await pause(wait, settings, signal);
    return true;
  };
  for (;;) {
    emit({ type: 'evicting', node: settings.node, pod: ref(pod), dryRun: settings.dryRun });
    if (remainingMs(settings) <= 0) throw new Error(`${prefix}: ${timeoutError(settings).message}`);
    if (refresh) {
      try {
        active = await client.request<KubeObject>('GET', podPath(namespace, name), { signal });
      } catch (error) {
        if (isNotFound(error)) return 'gone';
        if (await retryLater(error)) continue;
        throw new Error(`${prefix}: ${(error as Error).message}`, { cause: error });
      }
      if (active.metadata.uid !== pod.metadata.uid) return 'gone';
      // an eviction sent before (its answer lost, or by an interrupted run) went through: nothing to send again
      if (active.metadata.deletionTimestamp && !shortensGrace(active, settings)) return 'accepted';
    }
    let budget: string | undefined;
    // queued behind every eviction that can go: the least urgent, or last of all when the budget has no room
    // (asked anyway in case the budget's watch is behind, and most likely refused)
    let urgency = 0;
    if (gate) {
      const answer = await gate.acquire(active, {
        signal,
        maxWaitMs: Math.min(BUDGET_RECHECK_MS, remainingMs(settings)),
        onWait: (waitingFor) => emit({ type: 'budget-wait', node: settings.node, pod: ref(pod), budget: waitingFor }),
      });
      if (answer.verdict !== 'free') budget = answer.budget;
      urgency = answer.verdict === 'expired' ? -1 : gate.urgency(active);
    }
    try {
      const send = (): Promise<unknown> =>
        client.request('POST', `${podPath(namespace, name)}/eviction`, {
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, deleteOptions: deleteOptions(settings) },
          signal,
        });
      await (context.queue ? context.queue.run(urgency, send) : send());
      return 'accepted';
    } catch (error) {
      if (isNotFound(error)) return 'gone';
      if (isTooManyRequests(error) && (isBudgetRefusal(error) || !gate)) {
        gate?.refused(budget, name);
        const message = (error as Error).message;
        emit({ type: 'evict-retry', node: settings.node, pod: ref(pod), message, retryAfterMs: settings.retryDelayMs });
        // the budget's next status wakes the retry early (the gate), else kubectl's 5 s
        if (!gate && !(await pause(settings.retryDelayMs, settings, signal))) continue;
        refresh = true;
        continue;
      }
      if (budget) gate?.release(budget, name);
      if (isTooManyRequests(error)) {
        // the server's throttling, not the budget: the budget keeps its room; again after the server's Retry-After
        const wait = retryDelayMs(error, 1, TRANSIENT_RETRY);
        emit({ type: 'evict-retry', node: settings.node, pod: ref(pod), message: (error as Error).message, retryAfterMs: wait });
        await pause(wait, settings, signal);
        refresh = true;
        continue;
      }
      if (isNamespaceTerminating(error)) {
        if (active.metadata.deletionTimestamp) return 'accepted';
        await pause(settings.retryDelayMs, settings, signal);
        refresh = true;
        continue;
      }
      if (await retryLater(error)) {
        refresh = true;
        continue;
      }
      throw new Error(`${prefix}: ${(error as Error).message}`, { cause: error });
    }
  }
}

async function deletePod(pod: KubeObject, settings: RemovalSettings, context: RemovalContext, graceOverride?: number): Promise<'accepted' | 'gone'> {
  const namespace = pod.metadata.namespace as string;
  const name = pod.metadata.name as string;
  try {
    // a delete is idempotent: a server error or conflict of a moment is tried again a few times
    await withRetries(
      () => context.client.request('DELETE', podPath(namespace, name), {
        body: deleteOptions(settings, graceOverride),
        query: { dryRun: settings.dryRun === 'server' ? 'All' : undefined },
        signal: context.signal,
      }),
      {
        conflicts: true,
        signal: context.signal,
        onRetry: (error, wait) => context.emit({ type: 'warning', node: settings.node, message: `error when deleting pod "${name}" in namespace "${namespace}" (will retry after ${formatGoDuration(wait)}): ${(error as Error).message}` }),
      },
    );
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
    if (left <= 0) throw new TimeoutReached(WAIT_DEADLINE);
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
  // evicted or deleted already (by an earlier, interrupted drain): wait for it to go, do not send it again
  const going = !!pod.metadata.deletionTimestamp && !shortensGrace(pod, settings);
  const release = going ? undefined : await context.replacements?.acquire(pod, settings, context.signal);
  let sent: 'accepted' | 'gone' = going ? 'accepted' : 'gone';
  // kubectl evicts such a pod again (the API server accepts it), and says so
  if (going && settings.useEviction) context.emit({ type: 'evicting', node: settings.node, pod: ref(pod), dryRun: settings.dryRun });
  try {
    if (!going) sent = settings.useEviction ? await evict(pod, settings, context) : await deletePod(pod, settings, context);
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
    // kubectl waits for each evicted pod on its own, but for deleted ones (--disable-eviction) all at once: that
    // wait's error comes bare, and once for the node (the drain's aggregate drops repeated messages)
    if (!context.signal.aborted && settings.useEviction) {
      throw new Error(`error when waiting for pod "${pod.metadata.name}" in namespace "${pod.metadata.namespace}" to terminate: ${(error as Error).message}`, { cause: error });
    }
    throw error;
  }
  context.emit({ type: 'gone', node: settings.node, pod: ref(pod), how });
  return { how };
}
