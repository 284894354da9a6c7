// ReplicaSet and ReplicationController: keep `replicas` active pods from the template, adopting matching
// orphans and releasing pods that stopped matching, deleting the least valuable pods first when scaling
// down, and reporting replicas, fullyLabeledReplicas, readyReplicas and availableReplicas.

import type { KubeObject } from '../../domain/object.ts';
import { isEverything, labelSelectorFromSet, labelSelectorFromSpec, matchesLabels, type LabelSelector } from '../../domain/selectors.ts';
import { ApiError } from '../apiserver/status.ts';
import type { ResourceType } from '../apiserver/resources.ts';
import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';
import { keyOf, onChange, splitKey, WorkQueue } from './runtime.ts';
import {
  BURST_REPLICAS,
  EventGate,
  isActivePod,
  isPodAvailable,
  nextAvailableIn,
  podFromTemplate,
  requeueSoon,
  setPodOwner,
  writeStatus,
  type PodInfo,
  type WorkloadShared,
} from './workload-support.ts';

interface ReplicaKind {
  type: ResourceType;
  kind: 'ReplicaSet' | 'ReplicationController';
  component: string;
  selectorOf(object: KubeObject): LabelSelector;
}

export function startReplicaSetControllers(ctx: ClusterContext, shared: WorkloadShared): Stop {
  const stops = [
    startReplicaController(ctx, shared, {
      type: ctx.types.replicaSets,
      kind: 'ReplicaSet',
      component: 'replicaset-controller',
      selectorOf: (rs) => labelSelectorFromSpec(rs.spec?.selector),
    }),
    startReplicaController(ctx, shared, {
      type: ctx.types.replicationControllers,
      kind: 'ReplicationController',
      component: 'replication-controller',
      selectorOf: (rc) => labelSelectorFromSet(rc.spec?.selector ?? {}),
    }),
  ];
  return () => stops.forEach((stop) => stop());
}

function startReplicaController(ctx: ClusterContext, shared: WorkloadShared, kind: ReplicaKind): Stop {
  const events = new EventGate(ctx, kind.component);
  const queue: WorkQueue = new WorkQueue(ctx, kind.component, (key) => reconcile(key));
  const pods = shared.pods;

  const reconcile = (key: string): void => {
    const { namespace, name } = splitKey(key);
    const owner = ctx.service.find(kind.type, namespace, name);
    if (!owner) return;
    const uid = owner.metadata.uid as string;
    let selector: LabelSelector;
    try {
      selector = kind.selectorOf(owner);
    } catch {
      return; // an invalid selector cannot select pods, as upstream
    }
    claimPods(owner, selector);
    const replicas: number = owner.spec?.replicas ?? 1;
    let failure: Error | undefined;
    if (!owner.metadata.deletionTimestamp) failure = manageReplicas(owner, key, replicas);
    const active = [...pods.owned(uid)].filter(isActivePod);
    const now = ctx.clock.nowMs();
    const minReadySeconds: number = owner.spec?.minReadySeconds ?? 0;
    const templateLabels = Object.entries<string>(owner.spec?.template?.metadata?.labels ?? {});
    // one pass over the pods: a ReplicaSet of a large scenario is reconciled as each of its pods turns ready
    let fullyLabeled = 0;
    let ready = 0;
    let available = 0;
    for (const pod of active) {
      if (templateLabels.every(([k, v]) => pod.labels[k] === v)) fullyLabeled++;
      if (pod.ready) ready++;
      if (isPodAvailable(pod, minReadySeconds, now)) available++;
    }
    const status: any = {
      ...owner.status,
      replicas: active.length,
      fullyLabeledReplicas: fullyLabeled,
      readyReplicas: ready,
      availableReplicas: available,
      observedGeneration: owner.metadata.generation,
    };
    const others = (owner.status?.conditions ?? []).filter((c: any) => c.type !== 'ReplicaFailure');
    if (failure) {
      const previous = (owner.status?.conditions ?? []).find((c: any) => c.type === 'ReplicaFailure');
      others.push({ type: 'ReplicaFailure', status: 'True', lastTransitionTime: previous?.lastTransitionTime ?? new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z'), reason: 'FailedCreate', message: failure.message });
    }
    status.conditions = others.length > 0 ? others : undefined;
    writeStatus(ctx, kind.type, owner, status);
    const wait = nextAvailableIn(active, minReadySeconds, now);
    if (wait !== undefined) queue.addAfter(key, wait);
    if (failure) throw failure;
  };

  /** Adopts matching orphans and releases owned pods that no longer match (ControllerRefManager.ClaimPods). */
  const claimPods = (owner: KubeObject, selector: LabelSelector): void => {
    const uid = owner.metadata.uid as string;
    for (const pod of [...pods.owned(uid)]) {
      if (!matchesLabels(selector, pod.labels)) setPodOwner(ctx, pod, undefined, uid);
    }
    if (owner.metadata.deletionTimestamp || isEverything(selector)) return;
    for (const pod of [...pods.orphans(owner.metadata.namespace ?? '')]) {
      if (!pod.deleting && matchesLabels(selector, pod.labels)) setPodOwner(ctx, pod, owner);
    }
  };

  /** Creates or deletes pods toward `replicas`; returns the error that stopped creations, if any. */
  const manageReplicas = (owner: KubeObject, key: string, replicas: number): Error | undefined => {
    const uid = owner.metadata.uid as string;
    const active = [...pods.owned(uid)].filter(isActivePod);
    const diff = active.length - replicas;
    if (diff < 0) {
      const wanted = Math.min(-diff, BURST_REPLICAS);
      const granted = shared.budget.take(wanted);
      for (let i = 0; i < granted; i++) {
        try {
          const created = createPod(owner);
          events.record(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
        } catch (error) {
          if (error instanceof ApiError && error.reason === 'AlreadyExists') continue; // a generated name collided: next time
          events.record(owner, 'Warning', 'FailedCreate', `Error creating: ${(error as Error).message}`);
          return error as Error;
        }
      }
      if (granted < -diff) requeueSoon(queue, key);
    } else if (diff > 0) {
      const ranked = rankPodsForDeletion(active, ctx.clock.nowMs());
      const granted = shared.budget.take(Math.min(diff, BURST_REPLICAS));
      for (const pod of ranked.slice(0, granted)) {
        try {
          ctx.service.delete(ctx.types.pods, pod.namespace, pod.name, { preconditions: { uid: pod.uid } });
          events.record(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.name}`);
        } catch (error) {
          if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
        }
      }
      if (granted < diff) requeueSoon(queue, key);
    }
    return undefined;
  };

  const createPod = (owner: KubeObject): KubeObject => ctx.service.create(ctx.types.pods, owner.metadata.namespace ?? '', podFromTemplate(owner.spec?.template, owner), { bodyOwned: true });

  const enqueue = (namespace: string, name: string): void => queue.add(keyOf(namespace, name));
  shared.podOwners.set(kind.kind, enqueue);
  shared.orphanPodWatchers.push((pod) => {
    for (const entry of ctx.service.list(kind.type, pod.namespace, {}).entries) {
      try {
        const owner = JSON.parse(entry.json.toString('utf8')) as KubeObject;
        const selector = kind.selectorOf(owner);
        if (!isEverything(selector) && matchesLabels(selector, pod.labels)) enqueue(entry.namespace, entry.name);
      } catch {
        // an invalid selector adopts nothing
      }
    }
  });
  const unsubscribe = onChange(ctx, kind.type, (event) => {
    if (event.type !== 'DELETED') enqueue(event.entry.namespace, event.entry.name);
  });
  for (const entry of ctx.service.list(kind.type, '', {}).entries) enqueue(entry.namespace, entry.name);
  return () => {
    unsubscribe();
    shared.podOwners.delete(kind.kind);
    queue.stop();
  };
}

/**
 * The order in which pods are deleted when scaling down (controller.ActivePodsWithRanks, with
 * LogarithmicScaleDown): unscheduled before scheduled, Pending before Unknown before Running, not ready
 * before ready, lower pod-deletion-cost first, pods doubled up on a node first, shorter-ready before
 * longer-ready, more restarts first, newer before older. Returns a new array, first to delete first.
 */
export function rankPodsForDeletion(pods: PodInfo[], nowMs: number): PodInfo[] {
  const perNode = new Map<string, number>();
  for (const pod of pods) if (pod.nodeName) perNode.set(pod.nodeName, (perNode.get(pod.nodeName) ?? 0) + 1);
  const rank = (pod: PodInfo): number => (pod.nodeName ? (perNode.get(pod.nodeName) ?? 0) : 0);
  const phaseOrder = (phase: string): number => (phase === 'Pending' ? 0 : phase === 'Unknown' ? 1 : phase === 'Running' ? 2 : 0);
  return [...pods].sort((a, b) => {
    if (!a.nodeName !== !b.nodeName) return a.nodeName ? 1 : -1;
    if (phaseOrder(a.phase) !== phaseOrder(b.phase)) return phaseOrder(a.phase) - phaseOrder(b.phase);
    if (a.ready !== b.ready) return a.ready ? 1 : -1;
    if (a.deletionCost !== b.deletionCost) return a.deletionCost - b.deletionCost;
    if (rank(a) !== rank(b)) return rank(b) - rank(a);
    if (a.ready && b.ready) {
      const diff = logRank(a.readySince, nowMs) - logRank(b.readySince, nowMs);
      if (diff !== 0) return diff;
    }
    if (a.restarts !== b.restarts) return b.restarts - a.restarts;
    const diff = logRank(a.created, nowMs) - logRank(b.created, nowMs);
    if (diff !== 0) return diff;
    return a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0;
  });
}

/** Bucket of how long ago `since` was, by powers of two (nanoseconds, as upstream); unknown times sort first. */
function logRank(since: number, nowMs: number): number {
  if (!Number.isFinite(since)) return -2;
  const elapsedNs = (nowMs - since) * 1e6;
  return elapsedNs > 0 ? Math.floor(Math.log2(elapsedNs)) : -1;
}
