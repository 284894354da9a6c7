// DaemonSets: one pod per eligible node. Eligibility is judged as upstream's NodeShouldRunDaemonPod does
// (nodeName, nodeSelector, required node affinity, taints against the pod's tolerations plus the ones the
// controller adds), so cordoned and NotReady nodes keep their daemons.
//
// Placement: like upstream (since 1.12) the controller does not bind. Each pod carries a required node
// affinity `matchFields metadata.name In [<node>]` and the scheduler places it. That keeps the scheduler's
// resource and port checks, its Scheduled events and PodScheduled condition, and pods identical to a real
// cluster's; the price is that DaemonSet pods wait for the scheduler like every other pod.

import type { KubeObject } from '../../domain/object.ts';
import { toleratesAny, type Taint, type Toleration } from '../../domain/placement.ts';
import { isEverything, labelSelectorFromSpec, matchesLabels, type LabelSelector } from '../../domain/selectors.ts';
import { ApiError } from '../apiserver/status.ts';
import { parseEntry } from '../apiserver/store.ts';
import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';
import { keyOf, onChange, splitKey, WorkQueue } from './runtime.ts';
import {
  cleanupRevisions,
  EventGate,
  isPodAvailable,
  nextAvailableIn,
  OwnedIndex,
  podFromTemplate,
  REVISION_HASH_LABEL,
  requeueSoon,
  scaledValue,
  setPodOwner,
  summarizeObject,
  syncControllerRevision,
  writeStatus,
  type ObjectInfo,
  type PodInfo,
  type WorkloadShared,
} from './workload-support.ts';

export interface NodeInfo {
  name: string;
  labels: Record<string, string>;
  taints: Taint[];
}



/** AddOrUpdateDaemonPodTolerations: daemons survive NotReady/unreachable nodes, pressure, cordon. */
export function daemonPodTolerations(spec: any): Toleration[] {
  const tolerations: Toleration[] = [...(spec?.tolerations ?? [])];
  const add = (key: string, effect: string): void => {
    const at = tolerations.findIndex((t) => t.key === key && t.effect === effect && (t.operator ?? 'Equal') === 'Exists');
    const toleration: Toleration = { key, operator: 'Exists', effect };
    if (at >= 0) tolerations[at] = toleration;
    else tolerations.push(toleration);
  };
  add('node.kubernetes.io/not-ready', 'NoExecute');
  add('node.kubernetes.io/unreachable', 'NoExecute');
  add('node.kubernetes.io/disk-pressure', 'NoSchedule');
  add('node.kubernetes.io/memory-pressure', 'NoSchedule');
  add('node.kubernetes.io/pid-pressure', 'NoSchedule');
  add('node.kubernetes.io/unschedulable', 'NoSchedule');
  if (spec?.hostNetwork) add('node.kubernetes.io/network-unavailable', 'NoSchedule');
  return tolerations;
}


function matchesExpression(expression: any, value: string | undefined): boolean {
  const values: string[] = expression?.values ?? [];
  switch (expression?.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      const have = Number.parseInt(value, 10);
      const want = Number.parseInt(values[0], 10);
      if (!Number.isFinite(have) || !Number.isFinite(want)) return false;
      return expression.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** Required node affinity: terms are ORed, a term's requirements ANDed, an empty term matches nothing. */
export function matchesNodeSelectorTerms(terms: any[], node: NodeInfo): boolean {
  return terms.some((term) => {
    const expressions: any[] = term?.matchExpressions ?? [];
    const fields: any[] = term?.matchFields ?? [];
    if (expressions.length + fields.length === 0) return false;
    return expressions.every((e) => matchesExpression(e, node.labels[e.key])) && fields.every((f) => f.key === 'metadata.name' && matchesExpression(f, node.name));
  });
}

/** NodeShouldRunDaemonPod: should a new daemon pod go there, and may an existing one stay. */
export function nodeShouldRunDaemonPod(node: NodeInfo, podSpec: any): { shouldRun: boolean; shouldContinueRunning: boolean } {
  if (podSpec?.nodeName && podSpec.nodeName !== node.name) return { shouldRun: false, shouldContinueRunning: false };
  const selector: Record<string, string> = podSpec?.nodeSelector ?? {};
  if (!Object.entries(selector).every(([key, value]) => node.labels[key] === value)) return { shouldRun: false, shouldContinueRunning: false };
  const terms = podSpec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (terms && !matchesNodeSelectorTerms(terms, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = daemonPodTolerations(podSpec);
  const untolerated = node.taints.filter((taint) => (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !toleratesAny(tolerations, taint));
  if (untolerated.length === 0) return { shouldRun: true, shouldContinueRunning: true };
  return { shouldRun: false, shouldContinueRunning: !untolerated.some((taint) => taint.effect === 'NoExecute') };
}

/** ReplaceDaemonSetPodNodeNameNodeAffinity: the required terms become exactly "metadata.name In [node]". */
export function pinToNode(affinity: any, nodeName: string): any {
  const next = structuredClone(affinity ?? {});
  next.nodeAffinity ??= {};
  next.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution = {
    nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
  };
  return next;
}

function summarizeNode(node: KubeObject): NodeInfo {
  return { name: node.metadata.name as string, labels: node.metadata.labels ?? {}, taints: node.spec?.taints ?? [] };
}

export function startDaemonSetController(ctx: ClusterContext, shared: WorkloadShared): Stop {
  const types = ctx.types;
  const events = new EventGate(ctx, 'daemonset-controller');
  const queue = new WorkQueue(ctx, 'daemonset-controller', (key) => reconcile(key));
  const revisions = new OwnedIndex<ObjectInfo>(ctx, types.controllerRevisions, summarizeObject, true);
  const enqueue = (namespace: string, name: string): void => queue.add(keyOf(namespace, name));
  const nodes = new Map<string, NodeInfo>();
  for (const entry of ctx.service.store.list('core/nodes').entries) nodes.set(entry.name, summarizeNode(parseEntry(entry)));

  const reconcile = (key: string): void => {
    const { namespace, name } = splitKey(key);
    const ds = ctx.service.find(types.daemonSets, namespace, name);
    if (!ds) return;
    const uid = ds.metadata.uid as string;
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromSpec(ds.spec?.selector);
    } catch {
      return;
    }
    if (isEverything(selector)) return;
    claimPods(ds, selector);
    const owned = (): KubeObject[] => [...revisions.owned(uid)].filter((r) => r.owner?.kind === 'DaemonSet').map((r) => r.object);
    const revision = syncControllerRevision(ctx, ds, owned(), ds.spec?.template);
    const hash: string = revision.metadata.labels?.[REVISION_HASH_LABEL] ?? '';
    if (!ds.metadata.deletionTimestamp) manage(ds, key, hash);
    updateStatus(ds, key, hash);
    const live = new Set<string>([revision.metadata.name as string]);
    for (const cr of owned()) {
      const crHash = cr.metadata.labels?.[REVISION_HASH_LABEL];
      for (const pod of shared.pods.owned(uid)) if (crHash && pod.labels['controller-revision-hash'] === crHash) live.add(cr.metadata.name as string);
    }
    cleanupRevisions(ctx, owned(), live, ds.spec?.revisionHistoryLimit ?? 10);
  };

  const claimPods = (ds: KubeObject, selector: LabelSelector): void => {
    const uid = ds.metadata.uid as string;
    for (const pod of [...shared.pods.owned(uid)]) if (!matchesLabels(selector, pod.labels)) setPodOwner(ctx, pod, undefined, uid);
    if (ds.metadata.deletionTimestamp) return;
    for (const pod of [...shared.pods.orphans(ds.metadata.namespace ?? '')]) {
      if (!pod.deleting && matchesLabels(selector, pod.labels)) setPodOwner(ctx, pod, ds);
    }
  };

  const podsByNode = (ds: KubeObject): Map<string, PodInfo[]> => {
    const byNode = new Map<string, PodInfo[]>();
    for (const pod of shared.pods.owned(ds.metadata.uid as string)) {
      const list = byNode.get(pod.targetNode) ?? [];
      list.push(pod);
      byNode.set(pod.targetNode, list);
    }
    for (const list of byNode.values()) list.sort((a, b) => a.created - b.created || (a.name < b.name ? -1 : 1));
    return byNode;
  };

  const manage = (ds: KubeObject, key: string, hash: string): void => {
    const byNode = podsByNode(ds);
    const toCreate: string[] = [];
    const toDelete: PodInfo[] = [];
    for (const node of nodes.values()) {
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds.spec?.template?.spec);
      const pods = (byNode.get(node.name) ?? []).filter((pod) => !pod.deleting);
      if (shouldRun && pods.length === 0) {
        // a pod still terminating on the node is waited for, not doubled
        if (!(byNode.get(node.name) ?? []).some((pod) => pod.deleting)) toCreate.push(node.name);
      } else if (shouldContinueRunning) {
        const failed = pods.filter((pod) => pod.phase === 'Failed');
        for (const pod of failed) {
          events.record(ds, 'Warning', 'FailedDaemonPod', `Found failed daemon pod ${pod.namespace}/${pod.name} on node ${node.name}, will try to kill it`);
          toDelete.push(pod);
        }
        const running = pods.filter((pod) => pod.phase !== 'Failed');
        // more than one daemon on a node: keep the oldest
        toDelete.push(...running.slice(1));
      } else {
        toDelete.push(...pods);
      }
    }
    for (const [nodeName, pods] of byNode) {
      if (!nodes.has(nodeName)) toDelete.push(...pods.filter((pod) => !pod.deleting));
    }
    if (toDelete.length === 0 && toCreate.length === 0) toDelete.push(...rollingUpdateVictims(ds, byNode, hash));
    const granted = shared.budget.take(toCreate.length + toDelete.length);
    let left = granted;
    for (const pod of toDelete) {
      if (left-- <= 0) break;
      try {
        ctx.service.delete(types.pods, pod.namespace, pod.name, { preconditions: { uid: pod.uid } });
        events.record(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.name}`);
      } catch (error) {
        if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
      }
    }
    for (const nodeName of toCreate) {
      if (left-- <= 0) break;
      const pod = podFromTemplate(ds.spec?.template, ds, {
        labels: { 'controller-revision-hash': hash, 'pod-template-generation': String(ds.metadata.generation ?? 1) },
      });
      pod.spec.tolerations = daemonPodTolerations(pod.spec);
      pod.spec.affinity = pinToNode(pod.spec.affinity, nodeName);
      const created = ctx.service.create(types.pods, ds.metadata.namespace ?? '', pod);
      events.record(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
    }
    if (granted < toCreate.length + toDelete.length) requeueSoon(queue, key);
  };

  /** RollingUpdate: old pods to delete now; unavailable old pods go freely, available ones within maxUnavailable. */
  const rollingUpdateVictims = (ds: KubeObject, byNode: Map<string, PodInfo[]>, hash: string): PodInfo[] => {
    if ((ds.spec?.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return [];
    const now = ctx.clock.nowMs();
    const minReadySeconds: number = ds.spec?.minReadySeconds ?? 0;
    let desired = 0;
    let unavailable = 0;
    const oldAvailable: PodInfo[] = [];
    const victims: PodInfo[] = [];
    for (const node of nodes.values()) {
      if (!nodeShouldRunDaemonPod(node, ds.spec?.template?.spec).shouldRun) continue;
      desired++;
      const pod = (byNode.get(node.name) ?? []).find((p) => !p.deleting);
      const available = !!pod && isPodAvailable(pod, minReadySeconds, now);
      if (!available) unavailable++;
      if (!pod || pod.labels['controller-revision-hash'] === hash) continue;
      if (available) oldAvailable.push(pod);
      else victims.push(pod);
    }
    const maxUnavailable = scaledValue(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, desired, true);
    const budget = Math.max(0, maxUnavailable - unavailable);
    return [...victims, ...oldAvailable.slice(0, budget)];
  };

  const updateStatus = (ds: KubeObject, key: string, hash: string): void => {
    const now = ctx.clock.nowMs();
    const minReadySeconds: number = ds.spec?.minReadySeconds ?? 0;
    const byNode = podsByNode(ds);
    const status: any = {
      ...ds.status,
      desiredNumberScheduled: 0,
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      numberReady: 0,
      numberAvailable: 0,
      updatedNumberScheduled: 0,
      observedGeneration: ds.metadata.generation,
    };
    const firstPods: PodInfo[] = [];
    for (const node of nodes.values()) {
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds.spec?.template?.spec);
      const pods = byNode.get(node.name) ?? [];
      if (shouldRun) {
        status.desiredNumberScheduled++;
        if (pods.length === 0) continue;
        status.currentNumberScheduled++;
        const pod = pods[0];
        firstPods.push(pod);
        if (pod.ready) {
          status.numberReady++;
          if (isPodAvailable(pod, minReadySeconds, now)) status.numberAvailable++;
        }
        if (pod.labels['controller-revision-hash'] === hash) status.updatedNumberScheduled++;
      } else if (pods.length > 0) {
        status.numberMisscheduled++;
      }
    }
    const unavailable = status.desiredNumberScheduled - status.numberAvailable;
    status.numberUnavailable = unavailable > 0 ? unavailable : undefined;
    writeStatus(ctx, types.daemonSets, ds, status);
    const wait = nextAvailableIn(firstPods, minReadySeconds, now);
    if (wait !== undefined) queue.addAfter(key, wait);
  };

  // nodes: only what decides eligibility (labels, taints, existence) wakes the DaemonSets, and a burst of
  // node changes (a scenario adding 5,000 nodes) wakes them once
  let wakePending = false;
  const wakeAll = (): void => {
    if (wakePending) return;
    wakePending = true;
    ctx.clock.after(100, () => {
      wakePending = false;
      for (const entry of ctx.service.list(types.daemonSets, '', {}).entries) enqueue(entry.namespace, entry.name);
    });
  };
  const unsubscribeNodes = onChange(ctx, types.nodes, (event) => {
    const name = event.entry.name;
    if (event.type === 'DELETED') {
      nodes.delete(name);
      wakeAll();
      return;
    }
    const next = summarizeNode(parseEntry(event.entry));
    const previous = nodes.get(name);
    nodes.set(name, next);
    if (!previous || JSON.stringify(previous.labels) !== JSON.stringify(next.labels) || JSON.stringify(previous.taints) !== JSON.stringify(next.taints)) wakeAll();
  });
  shared.podOwners.set('DaemonSet', enqueue);
  shared.orphanPodWatchers.push((pod) => {
    for (const entry of ctx.service.list(types.daemonSets, pod.namespace, {}).entries) {
      try {
        const ds = parseEntry(entry);
        const selector = labelSelectorFromSpec(ds.spec?.selector);
        if (!isEverything(selector) && matchesLabels(selector, pod.labels)) enqueue(entry.namespace, entry.name);
      } catch {
        // an invalid selector adopts nothing
      }
    }
  });
  revisions.listen((current, previous) => {
    for (const cr of [current, previous]) if (cr?.owner?.kind === 'DaemonSet') enqueue(cr.namespace, cr.owner.name);
  });
  const unsubscribe = onChange(ctx, types.daemonSets, (event) => {
    if (event.type !== 'DELETED') enqueue(event.entry.namespace, event.entry.name);
  });
  for (const entry of ctx.service.list(types.daemonSets, '', {}).entries) enqueue(entry.namespace, entry.name);
  return () => {
    unsubscribe();
    unsubscribeNodes();
    revisions.close();
    shared.podOwners.delete('DaemonSet');
    queue.stop();
  };
}
