// Deployments, following upstream's deployment controller: ReplicaSets named <deployment>-<pod-template-hash>,
// RollingUpdate (maxSurge rounded up, maxUnavailable down) and Recreate, proportional scaling, revisions in
// the deployment.kubernetes.io/revision annotation (so `kubectl rollout undo/history` work),
// revisionHistoryLimit cleanup, and the status and Available/Progressing conditions `kubectl rollout status` reads.

import type { KubeObject } from '../../domain/object.ts';
import { jsonEqual } from '../../domain/patch.ts';
import { isEverything, labelSelectorFromSpec, matchesLabels, type LabelSelector } from '../../domain/selectors.ts';
import { ApiError } from '../apiserver/status.ts';
import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';
import { keyOf, onChange, splitKey, WorkQueue } from './runtime.ts';
import {
  computeHash,
  EventGate,
  ownerReference,
  OwnedIndex,
  scaledValue,
  summarizeObject,
  timestamp,
  writeStatus,
  type ObjectInfo,
  type WorkloadShared,
} from './workload-support.ts';

export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH = 'pod-template-hash';
const MAX_REV_HISTORY_CHARS = 2000;
const SKIPPED_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

// ------------------------------------------------------------------------------------------------
// pure rules (deploymentutil)

export function isRollingUpdate(d: KubeObject): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** ResolveFenceposts: surge rounds up, unavailable down, and both zero means one unavailable. */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function maxSurge(d: KubeObject): number {
  if (!isRollingUpdate(d)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicasOf(d)).surge;
}

export function maxUnavailable(d: KubeObject): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  return Math.min(resolveFenceposts(ru.maxSurge, ru.maxUnavailable, replicas).unavailable, replicas);
}

function replicasOf(object: KubeObject | undefined): number {
  return object?.spec?.replicas ?? (object ? 1 : 0);
}

export function revisionOf(rs: KubeObject): number {
  const value = Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0);
  return Number.isInteger(value) ? value : 0;
}

/** Templates equal once the pod-template-hash label is ignored (EqualIgnoreHash). */
export function equalIgnoreHash(a: any, b: any): boolean {
  return jsonEqual(withoutTemplateHash(a), withoutTemplateHash(b));
}

/** The template without the hash label (nor metadata left empty), sharing the rest: it is compared for every ReplicaSet status change. */
function withoutTemplateHash(template: any): any {
  const copy = { ...(template ?? {}) };
  const metadata = { ...(copy.metadata ?? {}) };
  if (metadata.labels) {
    const { [POD_TEMPLATE_HASH]: _hash, ...labels } = metadata.labels;
    if (Object.keys(labels).length === 0) delete metadata.labels;
    else metadata.labels = labels;
  }
  if (Object.keys(metadata).length === 0) delete copy.metadata;
  else copy.metadata = metadata;
  return copy;
}

/** NewRSNewReplicas: how far the new ReplicaSet may grow now. */
export function newRSNewReplicas(d: KubeObject, allRSs: KubeObject[], newRS: KubeObject): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const surge = maxSurge(d);
  const current = sumReplicas(allRSs);
  const maxTotal = replicasOf(d) + surge;
  if (current >= maxTotal) return replicasOf(newRS);
  const scaleUp = Math.min(maxTotal - current, replicasOf(d) - replicasOf(newRS));
  return replicasOf(newRS) + scaleUp;
}

function sumReplicas(list: (KubeObject | undefined)[]): number {
  return list.reduce((sum, rs) => sum + (rs ? replicasOf(rs) : 0), 0);
}

function sumStatus(list: (KubeObject | undefined)[], field: string): number {
  return list.reduce((sum, rs) => sum + (rs?.status?.[field] ?? 0), 0);
}

function byCreation(a: KubeObject, b: KubeObject): number {
  const ta = Date.parse(a.metadata.creationTimestamp ?? '');
  const tb = Date.parse(b.metadata.creationTimestamp ?? '');
  if (ta !== tb) return ta - tb;
  return (a.metadata.name as string) < (b.metadata.name as string) ? -1 : 1;
}

function activeRSs(list: (KubeObject | undefined)[]): KubeObject[] {
  return list.filter((rs): rs is KubeObject => !!rs && replicasOf(rs) > 0);
}

function hasProgressDeadline(d: KubeObject): boolean {
  const seconds = d.spec?.progressDeadlineSeconds;
  return seconds !== undefined && seconds !== null && seconds !== 2147483647;
}

interface Condition {
  type: string;
  status: string;
  lastUpdateTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

function getCondition(status: any, type: string): Condition | undefined {
  return (status?.conditions ?? []).find((c: Condition) => c.type === type);
}

/** SetDeploymentCondition: same status and reason leaves it; same status keeps the transition time. */
export function setCondition(status: any, condition: Condition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  if (current && current.status === condition.status) condition.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c: Condition) => c.type !== condition.type), condition];
}

function removeCondition(status: any, type: string): void {
  if (!status.conditions) return;
  status.conditions = status.conditions.filter((c: Condition) => c.type !== type);
}

/** DeploymentComplete: every replica updated and available, and the newest spec observed. */
export function deploymentComplete(d: KubeObject, status: any): boolean {
  const replicas = replicasOf(d);
  return status.updatedReplicas === replicas && status.replicas === replicas && status.availableReplicas === replicas && (status.observedGeneration ?? 0) >= (d.metadata.generation ?? 0);
}

function deploymentProgressing(d: KubeObject, status: any): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = status.replicas - status.updatedReplicas;
  return status.updatedReplicas > (old.updatedReplicas ?? 0) || newOld < oldOld || status.readyReplicas > (old.readyReplicas ?? 0) || status.availableReplicas > (old.availableReplicas ?? 0);
}

/**
 * The sizes proportional scaling gives each ReplicaSet (deployment controller's scale()), when a rollout's
 * ReplicaSets are resized together. Returns name -> new size.
 */
export function proportionalSizes(d: KubeObject, allActive: KubeObject[]): Map<string, number> {
  const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowed - sumReplicas(allActive);
  const sorted = [...allActive].sort((a, b) => {
    if (replicasOf(a) !== replicasOf(b)) return replicasOf(b) - replicasOf(a);
    return toAdd > 0 ? byCreation(b, a) : byCreation(a, b);
  });
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of sorted) {
    let proportion = 0;
    if (toAdd !== 0 && replicasOf(rs) !== 0 && toAdd !== added) {
      const fraction = replicaSetFraction(rs, d);
      const allowedLeft = toAdd - added;
      proportion = toAdd > 0 ? Math.min(fraction, allowedLeft) : Math.max(fraction, allowedLeft);
    }
    sizes.set(rs.metadata.name as string, replicasOf(rs) + proportion);
    added += proportion;
  }
  if (sorted.length > 0 && toAdd !== 0) {
    const first = sorted[0].metadata.name as string;
    sizes.set(first, Math.max(0, (sizes.get(first) ?? 0) + toAdd - added));
  }
  return sizes;
}

function replicaSetFraction(rs: KubeObject, d: KubeObject): number {
  if (replicasOf(d) === 0) return -replicasOf(rs);
  const deploymentReplicas = replicasOf(d) + maxSurge(d);
  const annotated = Number(rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION]);
  const base = Number.isInteger(annotated) && rs.metadata.annotations?.[MAX_REPLICAS_ANNOTATION] !== undefined ? annotated : (d.status?.replicas ?? 0);
  if (base === 0) return 0;
  return Math.round((replicasOf(rs) * deploymentReplicas) / base) - replicasOf(rs);
}

/** SetNewReplicaSetAnnotations: copies the Deployment's annotations, moves the revision forward, keeps the history. */
export function setNewReplicaSetAnnotations(d: KubeObject, rs: KubeObject, newRevision: string, exists: boolean): boolean {
  let changed = false;
  const annotations: Record<string, string> = (rs.metadata.annotations ??= {});
  for (const [key, value] of Object.entries(d.metadata.annotations ?? {})) {
    if (SKIPPED_ANNOTATIONS.has(key) || annotations[key] === value) continue;
    annotations[key] = value;
    changed = true;
  }
  const oldRevision = annotations[REVISION_ANNOTATION];
  const oldInt = oldRevision === undefined ? 0 : Number(oldRevision) || 0;
  const newInt = Number(newRevision);
  if (oldInt < newInt) {
    annotations[REVISION_ANNOTATION] = newRevision;
    changed = true;
    if (oldRevision !== undefined) {
      const history = annotations[REVISION_HISTORY_ANNOTATION] ?? '';
      if (!history) annotations[REVISION_HISTORY_ANNOTATION] = oldRevision;
      else {
        const revisions = history.split(',');
        let total = history.length + oldRevision.length + 1;
        let start = 0;
        while (total > MAX_REV_HISTORY_CHARS && start < revisions.length) total -= revisions[start++].length + 1;
        if (total <= MAX_REV_HISTORY_CHARS) annotations[REVISION_HISTORY_ANNOTATION] = [...revisions.slice(start), oldRevision].join(',');
      }
    }
  }
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

function setReplicasAnnotations(rs: KubeObject, desired: number, max: number): boolean {
  const annotations: Record<string, string> = (rs.metadata.annotations ??= {});
  let changed = false;
  if (annotations[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    annotations[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (annotations[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    annotations[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  return changed;
}

// ------------------------------------------------------------------------------------------------
// the controller

export function startDeploymentController(ctx: ClusterContext, shared: WorkloadShared): Stop {
  const types = ctx.types;
  const events = new EventGate(ctx, 'deployment-controller');
  const queue = new WorkQueue(ctx, 'deployment-controller', (key) => reconcile(key));
  const replicaSets = new OwnedIndex<ObjectInfo>(ctx, types.replicaSets, summarizeObject, true);
  const enqueue = (namespace: string, name: string): void => queue.add(keyOf(namespace, name));
  const now = (): string => timestamp(ctx.clock.nowMs());
  const condition = (type: string, status: string, reason: string, message: string): Condition => ({ type, status, lastUpdateTime: now(), lastTransitionTime: now(), reason, message });

  const reconcile = (key: string): void => {
    const { namespace, name } = splitKey(key);
    let d = ctx.service.find(types.deployments, namespace, name);
    if (!d) return;
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromSpec(d.spec?.selector);
    } catch {
      return;
    }
    if (isEverything(selector)) {
      events.record(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) writeStatus(ctx, types.deployments, d, { ...d.status, observedGeneration: d.metadata.generation });
      return;
    }
    const rsList = claimReplicaSets(d, selector);
    const state: Rollout = { d, rsList };
    if (d.metadata.deletionTimestamp) {
      const { newRS, oldRSs } = getAllReplicaSets(state, false);
      syncDeploymentStatus(state, [...oldRSs, newRS], newRS);
      return;
    }
    checkPausedConditions(state);
    d = state.d;
    if (d.spec?.paused || isScalingEvent(state)) {
      sync(state);
      return;
    }
    if (isRollingUpdate(d)) rolloutRolling(state);
    else rolloutRecreate(state);
  };

  interface Rollout {
    d: KubeObject;
    rsList: KubeObject[];
  }

  const claimReplicaSets = (d: KubeObject, selector: LabelSelector): KubeObject[] => {
    const uid = d.metadata.uid as string;
    for (const info of [...replicaSets.owned(uid)]) {
      if (matchesLabels(selector, info.labels)) continue;
      const rs = structuredClone(info.object);
      rs.metadata.ownerReferences = (rs.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== uid);
      ctx.service.update(types.replicaSets, info.namespace, info.name, rs);
    }
    if (!d.metadata.deletionTimestamp) {
      for (const info of [...replicaSets.orphans(d.metadata.namespace ?? '')]) {
        if (info.deleting || !matchesLabels(selector, info.labels)) continue;
        const rs = structuredClone(info.object);
        rs.metadata.ownerReferences = [...(rs.metadata.ownerReferences ?? []), ownerReference(d)];
        ctx.service.update(types.replicaSets, info.namespace, info.name, rs);
      }
    }
    return [...replicaSets.owned(uid)].map((info) => info.object);
  };

  const updateDeploymentMeta = (state: Rollout): void => {
    state.d = ctx.service.update(types.deployments, state.d.metadata.namespace ?? '', state.d.metadata.name as string, state.d);
  };

  const updateDeploymentStatus = (state: Rollout, status: any): void => {
    state.d = writeStatus(ctx, types.deployments, state.d, status);
  };

  const updateRS = (rs: KubeObject): KubeObject => ctx.service.update(types.replicaSets, rs.metadata.namespace ?? '', rs.metadata.name as string, rs);

  /** getAllReplicaSetsAndSyncRevision */
  const getAllReplicaSets = (state: Rollout, create: boolean): { newRS: KubeObject | undefined; oldRSs: KubeObject[] } => {
    const sorted = [...state.rsList].sort(byCreation);
    const found = sorted.find((rs) => equalIgnoreHash(rs.spec?.template, state.d.spec?.template));
    const oldRSs = sorted.filter((rs) => rs !== found);
    const newRS = getNewReplicaSet(state, found, oldRSs, create);
    return { newRS, oldRSs };
  };

  const getNewReplicaSet = (state: Rollout, existing: KubeObject | undefined, oldRSs: KubeObject[], create: boolean): KubeObject | undefined => {
    const d = state.d;
    const maxOldRevision = oldRSs.reduce((max, rs) => Math.max(max, revisionOf(rs)), 0);
    const newRevision = String(maxOldRevision + 1);
    if (existing) {
      // a copy of what may change here (annotations, minReadySeconds), sharing the rest: this runs on every
      // ReplicaSet status change, and a whole copy of the ReplicaSet was most of its cost
      let rs: KubeObject = { ...existing, metadata: { ...existing.metadata, annotations: { ...existing.metadata.annotations } }, spec: { ...existing.spec } };
      const annotationsChanged = setNewReplicaSetAnnotations(d, rs, newRevision, true);
      const minReadyChanged = (rs.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (annotationsChanged || minReadyChanged) {
        rs.spec.minReadySeconds = d.spec?.minReadySeconds ?? 0;
        rs = updateRS(rs);
        replaceInList(state, rs);
      }
      const revision = rs.metadata.annotations?.[REVISION_ANNOTATION];
      if (revision !== undefined && d.metadata.annotations?.[REVISION_ANNOTATION] !== revision) {
        state.d = { ...state.d, metadata: { ...state.d.metadata, annotations: { ...state.d.metadata.annotations, [REVISION_ANNOTATION]: revision } } };
        updateDeploymentMeta(state);
      }
      if (hasProgressDeadline(state.d) && !getCondition(state.d.status, 'Progressing')) {
        const status = structuredClone(state.d.status ?? {});
        setCondition(status, condition('Progressing', 'True', 'FoundNewReplicaSet', `Found new replica set "${rs.metadata.name}"`));
        updateDeploymentStatus(state, status);
      }
      return rs;
    }
    if (!create) return undefined;
    const template = structuredClone(d.spec.template ?? {});
    const collisionCount: number | undefined = d.status?.collisionCount;
    const hash = computeHash(template, collisionCount);
    template.metadata ??= {};
    template.metadata.labels = { ...template.metadata.labels, [POD_TEMPLATE_HASH]: hash };
    const selector = structuredClone(d.spec.selector ?? {});
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH]: hash };
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: template.metadata.labels,
        ownerReferences: [ownerReference(d)],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    rs.spec.replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    setNewReplicaSetAnnotations(d, rs, newRevision, false);
    let created: KubeObject;
    try {
      created = ctx.service.create(types.replicaSets, d.metadata.namespace ?? '', rs);
    } catch (error) {
      if (!(error instanceof ApiError && error.reason === 'AlreadyExists')) throw error;
      const other = ctx.service.find(types.replicaSets, d.metadata.namespace ?? '', rs.metadata.name as string);
      const ref = other?.metadata.ownerReferences?.find((r) => r.controller);
      if (other && ref?.uid === d.metadata.uid && equalIgnoreHash(other.spec?.template, d.spec?.template)) return other;
      // a hash collision: count it, so the next hash differs
      updateDeploymentStatus(state, { ...state.d.status, collisionCount: (collisionCount ?? 0) + 1 });
      throw error;
    }
    state.rsList.push(created);
    if (replicasOf(created) > 0) events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicasOf(created)}`);
    if (state.d.metadata.annotations?.[REVISION_ANNOTATION] !== newRevision) {
      state.d = { ...state.d, metadata: { ...state.d.metadata, annotations: { ...state.d.metadata.annotations, [REVISION_ANNOTATION]: newRevision } } };
      updateDeploymentMeta(state);
    }
    if (hasProgressDeadline(state.d)) {
      const status = structuredClone(state.d.status ?? {});
      setCondition(status, condition('Progressing', 'True', 'NewReplicaSetCreated', `Created new replica set "${created.metadata.name}"`));
      updateDeploymentStatus(state, status);
    }
    return created;
  };

  const replaceInList = (state: Rollout, rs: KubeObject): void => {
    const at = state.rsList.findIndex((item) => item.metadata.uid === rs.metadata.uid);
    if (at >= 0) state.rsList[at] = rs;
  };

  /** scaleReplicaSet: resizes and stamps the desired/max replicas annotations; returns the stored ReplicaSet. */
  const scaleReplicaSet = (state: Rollout, rs: KubeObject, newScale: number, operation: string): KubeObject => {
    const d = state.d;
    const sizeChanged = replicasOf(rs) !== newScale;
    const copy = structuredClone(rs);
    const annotationsChanged = setReplicasAnnotations(copy, replicasOf(d), replicasOf(d) + maxSurge(d));
    if (!sizeChanged && !annotationsChanged) return rs;
    copy.spec.replicas = newScale;
    const stored = updateRS(copy);
    replaceInList(state, stored);
    if (sizeChanged) events.record(d, 'Normal', 'ScalingReplicaSet', `Scaled ${operation} replica set ${rs.metadata.name} from ${replicasOf(rs)} to ${newScale}`);
    return stored;
  };

  const scaleAndRecord = (state: Rollout, rs: KubeObject, newScale: number): { scaled: boolean; rs: KubeObject } => {
    if (replicasOf(rs) === newScale) return { scaled: false, rs };
    const operation = newScale > replicasOf(rs) ? 'up' : 'down';
    return { scaled: true, rs: scaleReplicaSet(state, rs, newScale, operation) };
  };

  const isScalingEvent = (state: Rollout): boolean => {
    const { newRS, oldRSs } = getAllReplicaSets(state, false);
    for (const rs of activeRSs([...oldRSs, newRS])) {
      const desired = rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION];
      if (desired === undefined) continue;
      if (Number(desired) !== replicasOf(state.d)) return true;
    }
    return false;
  };

  const checkPausedConditions = (state: Rollout): void => {
    const d = state.d;
    if (!hasProgressDeadline(d)) return;
    const current = getCondition(d.status, 'Progressing');
    if (current?.reason === 'ProgressDeadlineExceeded') return;
    const pausedExists = current?.reason === 'DeploymentPaused';
    const status = structuredClone(d.status ?? {});
    if (d.spec?.paused && !pausedExists) setCondition(status, condition('Progressing', 'Unknown', 'DeploymentPaused', 'Deployment is paused'));
    else if (!d.spec?.paused && pausedExists) setCondition(status, condition('Progressing', 'Unknown', 'DeploymentResumed', 'Deployment is resumed'));
    else return;
    updateDeploymentStatus(state, status);
  };

  /** sync: a scaling event or a paused Deployment; sizes change, nothing rolls. */
  const sync = (state: Rollout): void => {
    let { newRS, oldRSs } = getAllReplicaSets(state, false);
    scale(state, newRS, oldRSs);
    newRS = newRS && (state.rsList.find((rs) => rs.metadata.uid === newRS!.metadata.uid) ?? newRS);
    oldRSs = state.rsList.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid);
    if (state.d.spec?.paused) cleanupDeployment(state, oldRSs);
    syncDeploymentStatus(state, [...oldRSs, newRS], newRS);
  };

  const scale = (state: Rollout, newRS: KubeObject | undefined, oldRSs: KubeObject[]): void => {
    const d = state.d;
    const reversed = [...oldRSs].sort((a, b) => byCreation(b, a));
    const active = activeRSs([...reversed, newRS]);
    let activeOrLatest: KubeObject | undefined;
    if (newRS || oldRSs.length > 0) {
      if (active.length === 0) activeOrLatest = newRS ?? reversed[0];
      else if (active.length === 1) activeOrLatest = active[0];
    }
    if (activeOrLatest) {
      if (replicasOf(activeOrLatest) !== replicasOf(d)) scaleAndRecord(state, activeOrLatest, replicasOf(d));
      return;
    }
    if (isSaturated(d, newRS)) {
      for (const old of activeRSs(oldRSs)) scaleAndRecord(state, old, 0);
      return;
    }
    if (!isRollingUpdate(d)) return;
    const sizes = proportionalSizes(d, active);
    const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
    const toAdd = allowed - sumReplicas(active);
    const operation = toAdd > 0 ? 'up' : 'down';
    for (const rs of active) scaleReplicaSet(state, rs, sizes.get(rs.metadata.name as string) ?? replicasOf(rs), operation);
  };

  const isSaturated = (d: KubeObject, rs: KubeObject | undefined): boolean => {
    if (!rs) return false;
    const desired = Number(rs.metadata.annotations?.[DESIRED_REPLICAS_ANNOTATION]);
    return replicasOf(rs) === replicasOf(d) && desired === replicasOf(d) && (rs.status?.availableReplicas ?? 0) === replicasOf(d);
  };

  const rolloutRolling = (state: Rollout): void => {
    const { newRS, oldRSs } = getAllReplicaSets(state, true);
    const current = (): { newRS: KubeObject | undefined; oldRSs: KubeObject[]; all: KubeObject[] } => {
      const fresh = newRS && (state.rsList.find((rs) => rs.metadata.uid === newRS.metadata.uid) ?? newRS);
      const olds = oldRSs.map((rs) => state.rsList.find((item) => item.metadata.uid === rs.metadata.uid) ?? rs);
      return { newRS: fresh, oldRSs: olds, all: fresh ? [...olds, fresh] : olds };
    };
    if (newRS && reconcileNewReplicaSet(state, current().all, current().newRS as KubeObject)) {
      const now = current();
      syncRolloutStatus(state, now.all, now.newRS);
      return;
    }
    if (reconcileOldReplicaSets(state, current().all, activeRSs(current().oldRSs), current().newRS)) {
      const now = current();
      syncRolloutStatus(state, now.all, now.newRS);
      return;
    }
    const now = current();
    if (deploymentComplete(state.d, state.d.status ?? {})) cleanupDeployment(state, now.oldRSs);
    syncRolloutStatus(state, now.all, now.newRS);
  };

  const reconcileNewReplicaSet = (state: Rollout, allRSs: KubeObject[], newRS: KubeObject): boolean => {
    const d = state.d;
    if (replicasOf(newRS) === replicasOf(d)) return false;
    if (replicasOf(newRS) > replicasOf(d)) return scaleAndRecord(state, newRS, replicasOf(d)).scaled;
    return scaleAndRecord(state, newRS, newRSNewReplicas(d, allRSs, newRS)).scaled;
  };

  const reconcileOldReplicaSets = (state: Rollout, allRSs: KubeObject[], oldRSs: KubeObject[], newRS: KubeObject | undefined): boolean => {
    const d = state.d;
    const oldPods = sumReplicas(oldRSs);
    if (oldPods === 0) return false;
    const allPods = sumReplicas(allRSs);
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = newRS ? replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0) : 0;
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return false;
    // unhealthy old replicas go first: they cost no availability
    let cleaned = 0;
    const sortedOld = [...oldRSs].sort(byCreation);
    const afterCleanup: KubeObject[] = [];
    for (const rs of sortedOld) {
      if (cleaned >= maxScaledDown || replicasOf(rs) === 0 || replicasOf(rs) === (rs.status?.availableReplicas ?? 0)) {
        afterCleanup.push(rs);
        continue;
      }
      const down = Math.min(maxScaledDown - cleaned, replicasOf(rs) - (rs.status?.availableReplicas ?? 0));
      const result = scaleAndRecord(state, rs, replicasOf(rs) - down);
      cleaned += down;
      afterCleanup.push(result.rs);
    }
    // then as many available ones as minAvailable allows
    const available = sumStatus([...afterCleanup, newRS], 'availableReplicas');
    let scaledDown = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      for (const rs of afterCleanup) {
        if (scaledDown >= total) break;
        if (replicasOf(rs) === 0) continue;
        const down = Math.min(replicasOf(rs), total - scaledDown);
        scaleAndRecord(state, rs, replicasOf(rs) - down);
        scaledDown += down;
      }
    }
    return cleaned + scaledDown > 0;
  };

  const rolloutRecreate = (state: Rollout): void => {
    const first = getAllReplicaSets(state, false);
    let newRS = first.newRS;
    const oldRSs = first.oldRSs;
    let scaledDown = false;
    for (const rs of activeRSs(oldRSs)) if (scaleAndRecord(state, rs, 0).scaled) scaledDown = true;
    const currentAll = (): KubeObject[] => state.rsList.filter((rs) => !newRS || rs.metadata.uid !== newRS.metadata.uid).concat(newRS ? [newRS] : []);
    if (scaledDown) {
      syncRolloutStatus(state, currentAll(), newRS);
      return;
    }
    if (oldPodsRunning(newRS, state.rsList)) {
      syncRolloutStatus(state, currentAll(), newRS);
      return;
    }
    if (!newRS) newRS = getAllReplicaSets(state, true).newRS;
    if (newRS) newRS = scaleAndRecord(state, newRS, replicasOf(state.d)).rs;
    if (deploymentComplete(state.d, state.d.status ?? {})) cleanupDeployment(state, state.rsList.filter((rs) => rs.metadata.uid !== newRS?.metadata.uid));
    syncRolloutStatus(state, currentAll(), newRS);
  };

  const oldPodsRunning = (newRS: KubeObject | undefined, all: KubeObject[]): boolean => {
    for (const rs of all) {
      if (newRS && rs.metadata.uid === newRS.metadata.uid) continue;
      if ((rs.status?.replicas ?? 0) > 0) return true;
      for (const pod of shared.pods.owned(rs.metadata.uid as string)) {
        if (pod.phase !== 'Failed' && pod.phase !== 'Succeeded') return true;
      }
    }
    return false;
  };

  const cleanupDeployment = (state: Rollout, oldRSs: KubeObject[]): void => {
    const limit = state.d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of cleanable.slice(0, diff)) {
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        ctx.service.delete(types.replicaSets, rs.metadata.namespace ?? '', rs.metadata.name as string, { propagationPolicy: 'Background', preconditions: { uid: rs.metadata.uid } });
      } catch (error) {
        if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
      }
    }
  };

  const calculateStatus = (d: KubeObject, allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined): any => {
    const available = sumStatus(allRSs, 'availableReplicas');
    const total = sumReplicas(allRSs);
    const status: any = {
      ...structuredClone(d.status ?? {}),
      observedGeneration: d.metadata.generation,
      replicas: sumStatus(allRSs, 'replicas'),
      updatedReplicas: sumStatus([newRS], 'replicas'),
      readyReplicas: sumStatus(allRSs, 'readyReplicas'),
      availableReplicas: available,
      unavailableReplicas: Math.max(0, total - available),
    };
    if (available >= replicasOf(d) - maxUnavailable(d)) setCondition(status, condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'));
    else setCondition(status, condition('Available', 'False', 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'));
    return status;
  };

  const syncDeploymentStatus = (state: Rollout, allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined): void => {
    updateDeploymentStatus(state, calculateStatus(state.d, allRSs, newRS));
  };

  const syncRolloutStatus = (state: Rollout, allRSs: (KubeObject | undefined)[], newRS: KubeObject | undefined): void => {
    const d = state.d;
    const status = calculateStatus(d, allRSs, newRS);
    if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
    const current = getCondition(d.status, 'Progressing');
    const complete = status.replicas === status.updatedReplicas && current?.reason === 'NewReplicaSetAvailable';
    if (hasProgressDeadline(d) && !complete) {
      if (deploymentComplete(d, status)) {
        const message = newRS ? `ReplicaSet "${newRS.metadata.name}" has successfully progressed.` : 'Deployment has successfully progressed.';
        setCondition(status, condition('Progressing', 'True', 'NewReplicaSetAvailable', message));
      } else if (deploymentProgressing(d, status)) {
        const message = newRS ? `ReplicaSet "${newRS.metadata.name}" is progressing.` : `Deployment "${d.metadata.name}" is progressing.`;
        const next = condition('Progressing', 'True', 'ReplicaSetUpdated', message);
        if (current) {
          if (current.status === 'True') next.lastTransitionTime = current.lastTransitionTime;
          removeCondition(status, 'Progressing');
        }
        setCondition(status, next);
      } else if (timedOut(d, status)) {
        const message = newRS ? `ReplicaSet "${newRS.metadata.name}" has timed out progressing.` : `Deployment "${d.metadata.name}" has timed out progressing.`;
        setCondition(status, condition('Progressing', 'False', 'ProgressDeadlineExceeded', message));
      }
    }
    const failure = allRSs.map((rs) => getCondition(rs?.status, 'ReplicaFailure')).find((c) => c && c.status === 'True');
    if (failure) setCondition(status, condition('ReplicaFailure', failure.status, failure.reason, failure.message));
    else removeCondition(status, 'ReplicaFailure');
    if (status.conditions?.length === 0) delete status.conditions;
    updateDeploymentStatus(state, status);
    requeueStuck(state.d, status);
  };

  const timedOut = (d: KubeObject, status: any): boolean => {
    const current = getCondition(status, 'Progressing');
    if (!current || current.reason === 'NewReplicaSetAvailable') return false;
    if (current.reason === 'ProgressDeadlineExceeded') return true;
    return Date.parse(current.lastUpdateTime) + d.spec.progressDeadlineSeconds * 1000 < ctx.clock.nowMs();
  };

  const requeueStuck = (d: KubeObject, status: any): void => {
    const current = getCondition(status, 'Progressing');
    if (!hasProgressDeadline(d) || !current || deploymentComplete(d, status) || current.reason === 'ProgressDeadlineExceeded') return;
    const after = Date.parse(current.lastUpdateTime) + d.spec.progressDeadlineSeconds * 1000 - ctx.clock.nowMs();
    queue.addAfter(keyOf(d.metadata.namespace, d.metadata.name as string), Math.max(after + 1, 1000));
  };

  // ReplicaSets tell their Deployment; orphans are offered to the Deployments whose selector matches
  replicaSets.listen((current, previous) => {
    for (const rs of [current, previous]) {
      if (rs?.owner?.kind === 'Deployment') enqueue(rs.namespace, rs.owner.name);
    }
    if (current && !current.owner && !current.deleting) {
      for (const entry of ctx.service.list(types.deployments, current.namespace, {}).entries) {
        try {
          const d = JSON.parse(entry.json.toString('utf8')) as KubeObject;
          const selector = labelSelectorFromSpec(d.spec?.selector);
          if (!isEverything(selector) && matchesLabels(selector, current.labels)) enqueue(entry.namespace, entry.name);
        } catch {
          // an invalid selector adopts nothing
        }
      }
    }
  });
  // Recreate waits for old pods to be gone, which no ReplicaSet status shows
  shared.pods.listen((current, previous, type) => {
    if (type !== 'DELETED' || previous?.owner?.kind !== 'ReplicaSet') return;
    const rs = replicaSets.byUid.get(previous.owner.uid);
    if (rs?.owner?.kind === 'Deployment') enqueue(rs.namespace, rs.owner.name);
  });
  const unsubscribe = onChange(ctx, types.deployments, (event) => {
    if (event.type !== 'DELETED') enqueue(event.entry.namespace, event.entry.name);
  });
  for (const entry of ctx.service.list(types.deployments, '', {}).entries) enqueue(entry.namespace, entry.name);
  return () => {
    unsubscribe();
    replicaSets.close();
    queue.stop();
  };
}
