// PodDisruptionBudget arithmetic, as upstream's disruption controller computes a budget's status: which pods a
// budget covers, how many it expects, how many must stay healthy and how many may be disrupted now. The
// sandbox's disruption controller writes this status; kmaint's drain planner computes the same budgets from a
// snapshot to say which eviction a PDB will hold up. No I/O: controllers are found through a lookup.

import type { KubeObject, OwnerReference } from './object.ts';
import { labelSelectorFromSpec, matchesLabels, type LabelSelector } from './selectors.ts';

/** How long an evicted pod stays counted as disrupted while it has not started terminating (upstream DeletionTimeout). */
export const DELETION_TIMEOUT_MS = 2 * 60 * 1000;

export const DISRUPTION_ALLOWED = 'DisruptionAllowed';

export type IntOrString = number | string;

/**
 * intstr.GetScaledValueFromIntOrPercent: an int as is, "N%" of total rounded up or down.
 * Throws for anything else ("invalid value for IntOrString: ...").
 */
export function scaledValue(value: IntOrString | null | undefined, total: number, roundUp: boolean): number {
  if (value === null || value === undefined) throw new Error('nil value for IntOrString');
  if (typeof value === 'number') return value;
  if (!value.endsWith('%')) throw new Error('invalid value for IntOrString: invalid type: string is not a percentage');
  const digits = value.slice(0, -1);
  if (!/^[+-]?\d+$/.test(digits)) throw new Error(`invalid value for IntOrString: invalid value "${value}": strconv.Atoi: parsing ${JSON.stringify(digits)}: invalid syntax`);
  const percent = Number(digits);
  const scaled = (percent * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** A PDB's selector: `{}` covers every pod of its namespace, a missing selector none (metav1.LabelSelectorAsSelector). */
export function budgetSelector(pdb: KubeObject): LabelSelector {
  return labelSelectorFromSpec(pdb.spec?.selector);
}

/** The pods of `pods` (all in the PDB's namespace or not) that the budget covers. */
export function podsCoveredBy(pdb: KubeObject, pods: readonly KubeObject[]): KubeObject[] {
  const selector = budgetSelector(pdb);
  return pods.filter((pod) => pod.metadata.namespace === pdb.metadata.namespace && matchesLabels(selector, pod.metadata.labels));
}

export function isPodReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some((c: any) => c?.type === 'Ready' && c.status === 'True');
}

export function controllerOf(object: KubeObject): OwnerReference | undefined {
  return (object.metadata.ownerReferences ?? []).find((ref) => ref.controller === true);
}

/** What the expected-scale computation needs to know about the cluster. */
export interface ControllerLookup {
  /** the object of this apiVersion/kind (any version of its group) and name, if it exists */
  get(apiVersion: string, kind: string, namespace: string, name: string): KubeObject | undefined;
  /**
   * The scale subresource of any other kind: its uid and spec.replicas, undefined when the object is absent.
   * Throws when the kind is unknown or has no scale subresource (upstream then fails the sync).
   */
  scale(apiVersion: string, kind: string, namespace: string, name: string): { uid: string; replicas: number } | undefined;
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function isKind(ref: OwnerReference, kind: string, groups: readonly string[]): boolean {
  return ref.kind === kind && groups.includes(groupOf(ref.apiVersion));
}

const replicasOf = (object: KubeObject): number => (typeof object.spec?.replicas === 'number' ? object.spec.replicas : 1);

/**
 * The scale of the controller a pod's controllerRef names, tried in upstream's order: ReplicationController,
 * Deployment (through its ReplicaSet), ReplicaSet not run by a Deployment, StatefulSet, then any kind with a
 * scale subresource. Undefined when no controller is found.
 */
export function controllerScale(ref: OwnerReference, namespace: string, lookup: ControllerLookup): { uid: string; replicas: number } | undefined {
  const found = (object: KubeObject | undefined): object is KubeObject => !!object && object.metadata.uid === ref.uid;
  if (isKind(ref, 'ReplicationController', [''])) {
    const rc = lookup.get(ref.apiVersion, ref.kind, namespace, ref.name);
    if (found(rc)) return { uid: ref.uid, replicas: replicasOf(rc) };
  }
  if (isKind(ref, 'ReplicaSet', ['apps', 'extensions'])) {
    const rs = lookup.get(ref.apiVersion, ref.kind, namespace, ref.name);
    if (found(rs)) {
      const owner = controllerOf(rs);
      if (owner && isKind(owner, 'Deployment', ['apps', 'extensions'])) {
        const deployment = lookup.get(owner.apiVersion, owner.kind, namespace, owner.name);
        if (deployment && deployment.metadata.uid === owner.uid) return { uid: owner.uid, replicas: replicasOf(deployment) };
      } else if (!owner || owner.kind !== 'Deployment') {
        return { uid: ref.uid, replicas: replicasOf(rs) };
      }
    }
  }
  if (isKind(ref, 'StatefulSet', ['apps'])) {
    const sts = lookup.get(ref.apiVersion, ref.kind, namespace, ref.name);
    if (found(sts)) return { uid: ref.uid, replicas: replicasOf(sts) };
  }
  const scale = lookup.scale(ref.apiVersion, ref.kind, namespace, ref.name);
  return scale && scale.uid === ref.uid ? scale : undefined;
}

/**
 * SUM of the scales of the controllers of the given pods (upstream getExpectedScale). Pods without a
 * controller are reported, not counted; a pod whose controller cannot be found fails the computation.
 */
export function expectedScale(pods: readonly KubeObject[], lookup: ControllerLookup): { expectedCount: number; unmanagedPods: string[] } {
  const scales = new Map<string, number>();
  const unmanagedPods: string[] = [];
  for (const pod of pods) {
    const ref = controllerOf(pod);
    if (!ref) {
      unmanagedPods.push(pod.metadata.name as string);
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const scale = controllerScale(ref, pod.metadata.namespace ?? '', lookup);
    if (!scale) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
    scales.set(scale.uid, scale.replicas);
  }
  let expectedCount = 0;
  for (const replicas of scales.values()) expectedCount += replicas;
  return { expectedCount, unmanagedPods };
}

/**
 * expectedPods and desiredHealthy of a budget (upstream getExpectedPodCount): minAvailable as a number
 * expects the matching pods; a percentage, and maxUnavailable in either form, expect the controllers' scale.
 */
export function expectedPodCount(spec: { minAvailable?: IntOrString | null; maxUnavailable?: IntOrString | null }, pods: readonly KubeObject[], lookup: ControllerLookup): { expectedCount: number; desiredHealthy: number; unmanagedPods: string[] } {
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const { expectedCount, unmanagedPods } = expectedScale(pods, lookup);
    const maxUnavailable = scaledValue(spec.maxUnavailable, expectedCount, true);
    return { expectedCount, desiredHealthy: Math.max(0, expectedCount - maxUnavailable), unmanagedPods };
  }
  if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
    if (typeof spec.minAvailable === 'number') return { expectedCount: pods.length, desiredHealthy: spec.minAvailable, unmanagedPods: [] };
    const { expectedCount, unmanagedPods } = expectedScale(pods, lookup);
    return { expectedCount, desiredHealthy: scaledValue(spec.minAvailable, expectedCount, true), unmanagedPods };
  }
  return { expectedCount: 0, desiredHealthy: 0, unmanagedPods: [] };
}

const parseTime = (time: string): number => Date.parse(time);

/**
 * The disruptedPods entries still pending (upstream buildDisruptedPodMap): an evicted pod that has not begun
 * terminating within DELETION_TIMEOUT_MS is dropped (and reported), as is one that is gone or terminating.
 * recheckAt is when the next entry expires.
 */
export function pendingDisruptions(pods: readonly KubeObject[], disruptedPods: Record<string, string> | undefined | null, nowMs: number): { disruptedPods: Record<string, string>; recheckAt?: number; notDeleted: string[] } {
  const result: Record<string, string> = {};
  const notDeleted: string[] = [];
  let recheckAt: number | undefined;
  if (!disruptedPods) return { disruptedPods: result, notDeleted };
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const name = pod.metadata.name as string;
    const at = disruptedPods[name];
    if (at === undefined) continue;
    const expectedDeletion = parseTime(at) + DELETION_TIMEOUT_MS;
    if (expectedDeletion < nowMs) {
      notDeleted.push(name);
    } else {
      if (recheckAt === undefined || expectedDeletion < recheckAt) recheckAt = expectedDeletion;
      result[name] = at;
    }
  }
  return { disruptedPods: result, recheckAt, notDeleted };
}

/** Ready pods that are neither terminating nor recently evicted (upstream countHealthyPods). */
export function countHealthyPods(pods: readonly KubeObject[], disruptedPods: Record<string, string>, nowMs: number): number {
  let healthy = 0;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    const at = disruptedPods[pod.metadata.name as string];
    if (at !== undefined && parseTime(at) + DELETION_TIMEOUT_MS > nowMs) continue;
    if (isPodReady(pod)) healthy++;
  }
  return healthy;
}

/** disruptionsAllowed: nothing while no pods are expected, never negative. */
export function disruptionsAllowed(currentHealthy: number, desiredHealthy: number, expectedPods: number): number {
  const allowed = currentHealthy - desiredHealthy;
  return expectedPods <= 0 || allowed <= 0 ? 0 : allowed;
}

export interface BudgetStatus {
  disruptedPods?: Record<string, string>;
  disruptionsAllowed: number;
  currentHealthy: number;
  desiredHealthy: number;
  expectedPods: number;
  observedGeneration?: number;
  conditions?: Condition[];
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  observedGeneration?: number;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

/** apimeta.SetStatusCondition: the transition time changes only with the status. */
export function setCondition(conditions: readonly Condition[] | undefined, next: Omit<Condition, 'lastTransitionTime'>, now: string): Condition[] {
  const list = [...(conditions ?? [])];
  const at = list.findIndex((c) => c.type === next.type);
  if (at < 0) return [...list, { ...next, lastTransitionTime: now }];
  const existing = list[at];
  list[at] = { ...next, lastTransitionTime: existing.status === next.status && existing.lastTransitionTime ? existing.lastTransitionTime : now };
  return list;
}

export interface BudgetEvaluation {
  status: BudgetStatus;
  /** pods evicted more than DELETION_TIMEOUT_MS ago that are still not terminating */
  notDeleted: string[];
  unmanagedPods: string[];
  /** when the status must be computed again although nothing changed (a disruptedPods entry expires) */
  recheckAt?: number;
  /** set when the expected count could not be computed: the budget then allows nothing (upstream failSafe) */
  error?: string;
}

/**
 * The status a PodDisruptionBudget should have, given the pods its selector matches (see podsCoveredBy).
 * `now` is an RFC 3339 time; the result's conditions keep their transition times when nothing flipped.
 */
export function evaluateBudget(pdb: KubeObject, pods: readonly KubeObject[], lookup: ControllerLookup, now: Date): BudgetEvaluation {
  const nowMs = now.getTime();
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const previous: Partial<BudgetStatus> = pdb.status ?? {};
  let expected: ReturnType<typeof expectedPodCount>;
  try {
    expected = expectedPodCount(pdb.spec ?? {}, pods, lookup);
  } catch (error) {
    const message = (error as Error).message;
    const conditions = setCondition(previous.conditions, { type: DISRUPTION_ALLOWED, status: 'False', reason: 'SyncFailed', message, observedGeneration: previous.observedGeneration }, time);
    return {
      status: { ...(previous as BudgetStatus), disruptionsAllowed: 0, conditions },
      notDeleted: [],
      unmanagedPods: [],
      error: `Failed to calculate the number of expected pods: ${message}`,
    };
  }
  const { disruptedPods, recheckAt, notDeleted } = pendingDisruptions(pods, previous.disruptedPods, nowMs);
  const currentHealthy = countHealthyPods(pods, disruptedPods, nowMs);
  const allowed = disruptionsAllowed(currentHealthy, expected.desiredHealthy, expected.expectedCount);
  const observedGeneration = pdb.metadata.generation;
  const conditions = setCondition(
    previous.conditions,
    allowed > 0
      ? { type: DISRUPTION_ALLOWED, status: 'True', reason: 'SufficientPods', message: '', observedGeneration }
      : { type: DISRUPTION_ALLOWED, status: 'False', reason: 'InsufficientPods', message: '', observedGeneration },
    time,
  );
  const status: BudgetStatus = {
    ...(Object.keys(disruptedPods).length > 0 ? { disruptedPods } : {}),
    disruptionsAllowed: allowed,
    currentHealthy,
    desiredHealthy: expected.desiredHealthy,
    expectedPods: expected.expectedCount,
    ...(observedGeneration !== undefined ? { observedGeneration } : {}),
    conditions,
  };
  return { status, notDeleted, unmanagedPods: expected.unmanagedPods, recheckAt };
}

/** A ControllerLookup over a snapshot of objects (a backup, a planner's view of a cluster). */
export function lookupFromObjects(objects: readonly KubeObject[]): ControllerLookup {
  const byKey = new Map<string, KubeObject>();
  const key = (apiVersion: string, kind: string, namespace: string, name: string): string => `${groupOf(apiVersion)}|${kind}|${namespace}|${name}`;
  for (const object of objects) byKey.set(key(object.apiVersion ?? '', object.kind ?? '', object.metadata.namespace ?? '', object.metadata.name ?? ''), object);
  const scalable: Record<string, string> = { 'apps|Deployment': 'deployments.apps', 'apps|ReplicaSet': 'replicasets.apps', 'apps|StatefulSet': 'statefulsets.apps', '|ReplicationController': 'replicationcontrollers' };
  return {
    get: (apiVersion, kind, namespace, name) => byKey.get(key(apiVersion, kind, namespace, name)),
    scale(apiVersion, kind, namespace, name) {
      if (!scalable[`${groupOf(apiVersion)}|${kind}`]) {
        throw new Error(`${kind.toLowerCase()}s${groupOf(apiVersion) ? '.' + groupOf(apiVersion) : ''} does not implement the scale subresource`);
      }
      const object = byKey.get(key(apiVersion, kind, namespace, name));
      return object ? { uid: object.metadata.uid as string, replicas: replicasOf(object) } : undefined;
    },
  };
}
