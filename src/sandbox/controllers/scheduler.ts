// The sandbox's scheduler: binds pending pods to nodes with the shared placement logic (src/domain/placement.ts).
// It keeps the cluster's allocations in a ClusterState updated from store events, so a decision looks at nodes,
// never at every pod. Store events are only collected where they happen; the work is done in batches, a few
// milliseconds per turn of the event loop, so the API server stays responsive while thousands of pods bind.
// Pods that do not fit get PodScheduled=False and a FailedScheduling event, and are tried again (with
// upstream's backoff of 1 s doubling to 10 s) when something that could make room happens.

import type { KubeObject } from '../../domain/object.ts';
import { ClusterState, compilePod, type PlacementResult } from '../../domain/placement.ts';
import { bindPodToNode, markPodUnschedulable } from '../apiserver/binding.ts';
import { ApiError } from '../apiserver/status.ts';
import { parseEntry, type Entry, type StoreEvent } from '../apiserver/store.ts';
import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';
import { keyOf, onChange } from './runtime.ts';

export const SCHEDULER_NAME = 'default-scheduler';
const SOURCE = { component: SCHEDULER_NAME };

const INITIAL_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 10_000;
/** upstream's podMaxInUnschedulablePodsDuration: a pod nothing woke up is tried again after this long */
const MAX_UNSCHEDULABLE_MS = 5 * 60_000;
/** real milliseconds of work per turn of the event loop */
const TURN_BUDGET_MS = 25;

interface Waiting {
  attempts: number;
  /** simulated time of the last attempt */
  triedAt: number;
  /** the resourceVersion of our own status write, whose event must not count as a change */
  ownRv?: number;
  /** something changed since the last attempt: try again once the backoff has passed */
  woken: boolean;
}

export interface SchedulerStats {
  scheduled: number;
  failedAttempts: number;
}

function isOurs(entry: Entry): boolean {
  const name = entry.fields['spec.schedulerName'];
  return name === '' || name === SCHEDULER_NAME || name === undefined;
}

/** A cheap test that never misses a deleted pod; a match is confirmed by parsing (an annotation may say it). */
function mentionsDeletion(entry: Entry): boolean {
  return entry.json.includes('"deletionTimestamp"');
}

function isBeingDeleted(entry: Entry): boolean {
  return mentionsDeletion(entry) && !!parseEntry(entry).metadata.deletionTimestamp;
}

function isFinishedPhase(phase: string | undefined): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The parts of a node placement depends on; a heartbeat that changes none of them wakes nobody. */
function nodeSignature(node: KubeObject): string {
  return JSON.stringify([node.metadata.labels, node.spec?.taints, !!node.spec?.unschedulable, node.status?.allocatable ?? node.status?.capacity]);
}

export function startScheduler(ctx: ClusterContext, stats: SchedulerStats = { scheduled: 0, failedAttempts: 0 }): Stop {
  const { service, clock } = ctx;
  const podType = ctx.types.pods;
  const nodeType = ctx.types.nodes;
  const state = new ClusterState();
  const nodeSignatures = new Map<string, string>();
  /** bound pods we account for, and whether we saw them terminating */
  const bound = new Map<string, { nodeName: string; terminating: boolean }>();
  /** pods to try, in arrival order */
  const active = new Set<string>();
  const unschedulable = new Map<string, Waiting>();
  const inbox: StoreEvent[] = [];
  let pumping = false;
  let stopped = false;
  let wake: 'none' | 'event' | 'timer' = 'none';
  let retryTimer: (() => void) | undefined;

  const schedulePump = (): void => {
    if (pumping || stopped) return;
    pumping = true;
    setImmediate(pump);
  };

  const wakeUnschedulable = (): void => {
    if (unschedulable.size === 0) return;
    wake = 'event';
    schedulePump();
  };

  // --- keeping the state current ------------------------------------------------------------

  const applyNode = (event: StoreEvent): void => {
    const name = event.entry.name;
    if (event.type === 'DELETED') {
      state.removeNode(name);
      nodeSignatures.delete(name);
      return;
    }
    const node = parseEntry(event.entry);
    const signature = nodeSignature(node);
    if (nodeSignatures.get(name) === signature) return;
    nodeSignatures.set(name, signature);
    state.setNode(node);
    wakeUnschedulable();
  };

  const forgetBound = (key: string, namespace: string, name: string): void => {
    if (!bound.delete(key)) return;
    state.removePod(namespace, name);
    wakeUnschedulable();
  };

  const applyPod = (event: StoreEvent): void => {
    const { entry } = event;
    const key = keyOf(entry.namespace, entry.name);
    if (event.type === 'DELETED') {
      active.delete(key);
      unschedulable.delete(key);
      forgetBound(key, entry.namespace, entry.name);
      return;
    }
    const nodeName = entry.fields['spec.nodeName'];
    if (nodeName) {
      active.delete(key);
      unschedulable.delete(key);
      if (isFinishedPhase(entry.fields['status.phase'])) {
        // a finished pod holds nothing on its node any more
        forgetBound(key, entry.namespace, entry.name);
        return;
      }
      const terminating = mentionsDeletion(entry);
      const known = bound.get(key);
      if (known && known.nodeName === nodeName && known.terminating === terminating) return;
      const pod = parseEntry(entry);
      const reallyTerminating = !!pod.metadata.deletionTimestamp;
      if (known && known.nodeName === nodeName && known.terminating === reallyTerminating) return;
      bound.set(key, { nodeName, terminating: reallyTerminating });
      state.addPod(pod);
      return;
    }
    forgetBound(key, entry.namespace, entry.name);
    if (!isOurs(entry) || isBeingDeleted(entry)) {
      active.delete(key);
      unschedulable.delete(key);
      return;
    }
    const waiting = unschedulable.get(key);
    if (waiting) {
      // our own status write is no reason to try again; any other change to the pod is
      if (waiting.ownRv === entry.rv) return;
      waiting.woken = true;
      wake = wake === 'none' ? 'timer' : wake;
      return;
    }
    active.add(key);
  };

  const drainInbox = (): void => {
    // events are applied in order; a pod's several events within one batch each update the state
    for (let i = 0; i < inbox.length; i++) {
      const event = inbox[i];
      if (event.resource === 'core/nodes') applyNode(event);
      else applyPod(event);
    }
    inbox.length = 0;
  };

  // --- trying pods --------------------------------------------------------------------------

  const backoffOf = (attempts: number): number => Math.min(INITIAL_BACKOFF_MS * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);

  /** Moves woken (or long-waiting) unschedulable pods whose backoff has passed back to the active queue. */
  const requeue = (reason: 'event' | 'timer'): void => {
    const now = clock.nowMs();
    let earliest = Infinity;
    for (const [key, waiting] of unschedulable) {
      if (reason === 'event') waiting.woken = true;
      const expired = now - waiting.triedAt >= MAX_UNSCHEDULABLE_MS;
      if (!waiting.woken && !expired) continue;
      const due = waiting.triedAt + backoffOf(waiting.attempts);
      if (due <= now || expired) {
        active.add(key);
      } else {
        earliest = Math.min(earliest, due);
      }
    }
    if (earliest < Infinity && !retryTimer) {
      retryTimer = clock.after(earliest - now, () => {
        retryTimer = undefined;
        if (wake === 'none') wake = 'timer';
        schedulePump();
      });
    }
  };

  const attempt = (key: string): void => {
    const slash = key.indexOf('/');
    const namespace = key.slice(0, slash);
    const name = key.slice(slash + 1);
    const entry = service.store.get('core/pods', namespace, name);
    if (!entry || entry.fields['spec.nodeName'] || !isOurs(entry)) {
      unschedulable.delete(key);
      return;
    }
    const pod = parseEntry(entry);
    if (pod.metadata.deletionTimestamp || (pod.spec?.schedulingGates?.length ?? 0) > 0) {
      unschedulable.delete(key);
      return;
    }
    const info = compilePod(pod);
    const result: PlacementResult = state.place(info, { nodesToScore: 'adaptive' });
    if (result.fits) {
      let boundPod: KubeObject;
      try {
        boundPod = bindPodToNode(service, podType, namespace, name, result.nodeName, clock.now(), { object: pod, rv: entry.rv });
      } catch (error) {
        if (error instanceof ApiError && error.code === 409) active.add(key);
        return;
      }
      unschedulable.delete(key);
      state.addPod(info, result.nodeName);
      bound.set(key, { nodeName: result.nodeName, terminating: false });
      stats.scheduled++;
      ctx.events.record(boundPod, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${result.nodeName}`, SOURCE);
      return;
    }
    stats.failedAttempts++;
    const previous = unschedulable.get(key);
    const waiting: Waiting = { attempts: (previous?.attempts ?? 0) + 1, triedAt: clock.nowMs(), woken: false };
    unschedulable.set(key, waiting);
    try {
      const written = markPodUnschedulable(service, podType, namespace, name, result.message, clock.now());
      if (written) waiting.ownRv = Number(written.metadata.resourceVersion);
      ctx.events.record(written ?? pod, 'Warning', 'FailedScheduling', result.message, SOURCE);
    } catch {
      // the pod changed or went away meanwhile; its next event brings it back
    }
  };

  function pump(): void {
    if (stopped) return;
    const started = performance.now();
    drainInbox();
    if (wake !== 'none') {
      const reason = wake;
      wake = 'none';
      requeue(reason);
    }
    for (const key of active) {
      active.delete(key);
      attempt(key);
      if (performance.now() - started > TURN_BUDGET_MS) break;
    }
    pumping = false;
    if (active.size > 0 || inbox.length > 0 || wake !== 'none') schedulePump();
  }

  // --- start: what is there now, then every change ------------------------------------------

  for (const entry of service.list(nodeType, '', {}).entries) applyNode({ type: 'ADDED', resource: 'core/nodes', rv: entry.rv, entry });
  for (const entry of service.list(podType, '', {}).entries) applyPod({ type: 'ADDED', resource: 'core/pods', rv: entry.rv, entry });
  wake = 'none';
  const unsubscribe = [
    onChange(ctx, nodeType, (event) => {
      inbox.push(event);
      schedulePump();
    }),
    onChange(ctx, podType, (event) => {
      inbox.push(event);
      schedulePump();
    }),
  ];
  // pods nothing woke up are tried again after five minutes, as upstream
  const stopPeriodic = clock.every(30_000, () => {
    if (unschedulable.size === 0) return;
    if (wake === 'none') wake = 'timer';
    schedulePump();
  });
  schedulePump();

  return () => {
    stopped = true;
    for (const stop of unsubscribe) stop();
    stopPeriodic();
    retryTimer?.();
    inbox.length = 0;
    active.clear();
    unschedulable.clear();
  };
}
