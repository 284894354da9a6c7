// StatefulSets: pods <set>-<ordinal> with stable identity, created in order and only when the one before is
// Running and Ready (OrderedReady; Parallel creates and deletes at once), deleted in reverse, one
// PersistentVolumeClaim <claim>-<set>-<ordinal> per volumeClaimTemplate bound to a simulated PersistentVolume,
// ControllerRevisions, and RollingUpdate (highest ordinal first, down to the partition) or OnDelete.

import type { KubeObject } from '../../domain/object.ts';
import { isEverything, labelSelectorFromSpec, matchesLabels, type LabelSelector } from '../../domain/selectors.ts';
import { ApiError } from '../apiserver/status.ts';
import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';
import { keyOf, onChange, splitKey, WorkQueue } from './runtime.ts';
import {
  cleanupRevisions,
  EventGate,
  isPodAvailable,
  nextAvailableIn,
  OwnedIndex,
  ownerReference,
  podFromTemplate,
  requeueSoon,
  setPodOwner,
  summarizeObject,
  syncControllerRevision,
  templateOfRevision,
  timestamp,
  writeStatus,
  type ObjectInfo,
  type PodInfo,
  type WorkloadShared,
} from './workload-support.ts';

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
export const REVISION_LABEL = 'controller-revision-hash';

/** The ordinal of a set's pod from its name ("web-2" -> 2), or -1 when the name is not one of the set's. */
export function ordinalOf(setName: string, podName: string): number {
  if (!podName.startsWith(`${setName}-`)) return -1;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : -1;
}

/** "<claim template>-<set>-<ordinal>", the claim a set's pod mounts. */
export function claimName(templateName: string, setName: string, ordinal: number): string {
  return `${templateName}-${setName}-${ordinal}`;
}

/** A set's pod for one ordinal from a template (newStatefulSetPod + identity + storage). */
export function statefulSetPod(set: KubeObject, template: any, ordinal: number, revisionName: string): KubeObject {
  const name = `${set.metadata.name}-${ordinal}`;
  const pod = podFromTemplate(template, set, {
    name,
    labels: { [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revisionName },
  });
  pod.spec.hostname = name;
  if (set.spec?.serviceName) pod.spec.subdomain = set.spec.serviceName;
  const claims: any[] = set.spec?.volumeClaimTemplates ?? [];
  if (claims.length > 0) {
    const byName = new Map<string, any>((pod.spec.volumes ?? []).map((v: any) => [v.name, v]));
    for (const claim of claims) {
      byName.set(claim.metadata.name, { name: claim.metadata.name, persistentVolumeClaim: { claimName: claimName(claim.metadata.name, set.metadata.name as string, ordinal) } });
    }
    pod.spec.volumes = [...byName.values()];
  }
  return pod;
}

const isRunningAndReady = (pod: PodInfo): boolean => pod.phase === 'Running' && pod.ready;

export function startStatefulSetController(ctx: ClusterContext, shared: WorkloadShared): Stop {
  const types = ctx.types;
  const events = new EventGate(ctx, 'statefulset-controller');
  const queue = new WorkQueue(ctx, 'statefulset-controller', (key) => reconcile(key));
  const revisions = new OwnedIndex<ObjectInfo>(ctx, types.controllerRevisions, summarizeObject, true);
  const enqueue = (namespace: string, name: string): void => queue.add(keyOf(namespace, name));

  const reconcile = (key: string): void => {
    const { namespace, name } = splitKey(key);
    const set = ctx.service.find(types.statefulSets, namespace, name);
    if (!set) return;
    const uid = set.metadata.uid as string;
    let selector: LabelSelector;
    try {
      selector = labelSelectorFromSpec(set.spec?.selector);
    } catch {
      return;
    }
    if (!isEverything(selector)) claimPods(set, selector);
    const owned = (): KubeObject[] => [...revisions.owned(uid)].filter((r) => r.owner?.kind === 'StatefulSet').map((r) => r.object);
    const updateRevision = syncControllerRevision(ctx, set, owned(), set.spec?.template);
    const currentName: string = set.status?.currentRevision && owned().some((r) => r.metadata.name === set.status.currentRevision) ? set.status.currentRevision : (updateRevision.metadata.name as string);
    const currentRevision = owned().find((r) => r.metadata.name === currentName) ?? updateRevision;
    if (!set.metadata.deletionTimestamp) manage(set, key, currentRevision, updateRevision);
    updateStatus(set, key, currentRevision, updateRevision);
    const live = new Set<string>([currentRevision.metadata.name as string, updateRevision.metadata.name as string]);
    for (const pod of shared.pods.owned(uid)) if (pod.labels[REVISION_LABEL]) live.add(pod.labels[REVISION_LABEL]);
    cleanupRevisions(ctx, owned(), live, set.spec?.revisionHistoryLimit ?? 10);
  };

  const claimPods = (set: KubeObject, selector: LabelSelector): void => {
    const uid = set.metadata.uid as string;
    for (const pod of [...shared.pods.owned(uid)]) if (!matchesLabels(selector, pod.labels)) setPodOwner(ctx, pod, undefined, uid);
    if (set.metadata.deletionTimestamp) return;
    for (const pod of [...shared.pods.orphans(set.metadata.namespace ?? '')]) {
      if (!pod.deleting && matchesLabels(selector, pod.labels) && ordinalOf(set.metadata.name as string, pod.name) >= 0) setPodOwner(ctx, pod, set);
    }
  };

  const manage = (set: KubeObject, key: string, currentRevision: KubeObject, updateRevision: KubeObject): void => {
    const setName = set.metadata.name as string;
    const start: number = set.spec?.ordinals?.start ?? 0;
    const replicas: number = set.spec?.replicas ?? 1;
    const monotonic = (set.spec?.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
    const minReadySeconds: number = set.spec?.minReadySeconds ?? 0;
    const now = ctx.clock.nowMs();
    const byOrdinal = new Map<number, PodInfo>();
    for (const pod of shared.pods.owned(set.metadata.uid as string)) {
      const ordinal = ordinalOf(setName, pod.name);
      if (ordinal >= 0) byOrdinal.set(ordinal, pod);
    }
    const strategy = set.spec?.updateStrategy?.type ?? 'RollingUpdate';
    const partition: number = set.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    const revisionFor = (ordinal: number): KubeObject => (strategy === 'RollingUpdate' && ordinal < start + partition ? currentRevision : updateRevision);

    for (let ordinal = start; ordinal < start + replicas; ordinal++) {
      const pod = byOrdinal.get(ordinal);
      if (!pod) {
        if (shared.budget.take(1) === 0) return requeueSoon(queue, key);
        const revision = revisionFor(ordinal);
        const template = revision === updateRevision ? set.spec?.template : templateOfRevision(revision);
        createClaims(set, ordinal);
        const created = ctx.service.create(types.pods, set.metadata.namespace ?? '', statefulSetPod(set, template, ordinal, revision.metadata.name as string));
        events.record(set, 'Normal', 'SuccessfulCreate', `create Pod ${created.metadata.name} in StatefulSet ${setName} successful`);
        if (monotonic) return;
        continue;
      }
      if (!pod.deleting && (pod.phase === 'Failed' || pod.phase === 'Succeeded')) {
        deletePod(set, pod);
        if (monotonic) return;
        continue;
      }
      if (monotonic && (pod.deleting || !isRunningAndReady(pod) || !isPodAvailable(pod, minReadySeconds, now))) return;
    }
    const condemned = [...byOrdinal.entries()].filter(([ordinal]) => ordinal < start || ordinal >= start + replicas).sort((a, b) => b[0] - a[0]);
    for (const [, pod] of condemned) {
      if (pod.deleting) {
        if (monotonic) return;
        continue;
      }
      if (shared.budget.take(1) === 0) return requeueSoon(queue, key);
      releaseClaimsOnScaleDown(set, pod);
      deletePod(set, pod);
      if (monotonic) return;
    }
    if (condemned.length > 0 && !monotonic) return;
    if (strategy !== 'RollingUpdate') return;
    // one pod at a time, from the highest ordinal down to the partition, each waiting for the one before to be healthy
    for (let ordinal = start + replicas - 1; ordinal >= start + partition; ordinal--) {
      const pod = byOrdinal.get(ordinal);
      if (!pod) return;
      if (pod.labels[REVISION_LABEL] !== updateRevision.metadata.name && !pod.deleting) {
        deletePod(set, pod);
        return;
      }
      if (pod.deleting || !isRunningAndReady(pod) || !isPodAvailable(pod, minReadySeconds, now)) return;
    }
  };

  const deletePod = (set: KubeObject, pod: PodInfo): void => {
    try {
      ctx.service.delete(types.pods, pod.namespace, pod.name, { preconditions: { uid: pod.uid } });
      events.record(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.name} in StatefulSet ${set.metadata.name} successful`);
    } catch (error) {
      if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
    }
  };

  /** Claims of a pod being scaled away go with it when whenScaled is Delete (owned by the pod, for the garbage collector). */
  const releaseClaimsOnScaleDown = (set: KubeObject, pod: PodInfo): void => {
    if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== 'Delete') return;
    const ordinal = ordinalOf(set.metadata.name as string, pod.name);
    for (const template of set.spec?.volumeClaimTemplates ?? []) {
      const claim = ctx.service.find(types.persistentVolumeClaims, pod.namespace, claimName(template.metadata.name, set.metadata.name as string, ordinal));
      if (!claim || claim.metadata.ownerReferences?.some((ref) => ref.uid === pod.uid)) continue;
      const ref = { apiVersion: 'v1', kind: 'Pod', name: pod.name, uid: pod.uid, controller: false, blockOwnerDeletion: true };
      ctx.service.update(types.persistentVolumeClaims, pod.namespace, claim.metadata.name as string, { ...claim, metadata: { ...claim.metadata, ownerReferences: [...(claim.metadata.ownerReferences ?? []), ref] } });
    }
  };

  const createClaims = (set: KubeObject, ordinal: number): void => {
    const namespace = set.metadata.namespace ?? '';
    for (const template of set.spec?.volumeClaimTemplates ?? []) {
      const name = claimName(template.metadata.name, set.metadata.name as string, ordinal);
      let claim = ctx.service.find(types.persistentVolumeClaims, namespace, name);
      if (!claim) {
        const whenDeleted = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted;
        claim = ctx.service.create(types.persistentVolumeClaims, namespace, {
          metadata: {
            name,
            namespace,
            labels: { ...(template.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
            ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
            ...(whenDeleted === 'Delete' ? { ownerReferences: [ownerReference(set)] } : {}),
          },
          spec: structuredClone(template.spec ?? {}),
        });
        events.record(set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${set.metadata.name}-${ordinal} in StatefulSet ${set.metadata.name} success`);
      }
      bindClaim(ctx, claim);
    }
  };

  const updateStatus = (set: KubeObject, key: string, currentRevision: KubeObject, updateRevision: KubeObject): void => {
    const now = ctx.clock.nowMs();
    const minReadySeconds: number = set.spec?.minReadySeconds ?? 0;
    const pods = [...shared.pods.owned(set.metadata.uid as string)];
    const status: any = {
      ...set.status,
      observedGeneration: set.metadata.generation,
      replicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      currentReplicas: 0,
      updatedReplicas: 0,
      currentRevision: currentRevision.metadata.name,
      updateRevision: updateRevision.metadata.name,
      collisionCount: set.status?.collisionCount ?? 0,
    };
    for (const pod of pods) {
      if (pod.phase) status.replicas++;
      if (isRunningAndReady(pod)) {
        status.readyReplicas++;
        if (isPodAvailable(pod, minReadySeconds, now)) status.availableReplicas++;
      }
      if (pod.phase && !pod.deleting) {
        if (pod.labels[REVISION_LABEL] === currentRevision.metadata.name) status.currentReplicas++;
        if (pod.labels[REVISION_LABEL] === updateRevision.metadata.name) status.updatedReplicas++;
      }
    }
    // a finished rolling update makes the update revision current (completeRollingUpdate)
    const rolling = (set.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
    if (rolling && status.updatedReplicas === status.replicas && status.readyReplicas === status.replicas && status.replicas === (set.spec?.replicas ?? 1)) {
      status.currentRevision = status.updateRevision;
      status.currentReplicas = status.updatedReplicas;
    }
    if (!rolling && status.updatedReplicas === status.replicas) {
      status.currentRevision = status.updateRevision;
      status.currentReplicas = status.updatedReplicas;
    }
    writeStatus(ctx, types.statefulSets, set, status);
    const wait = nextAvailableIn(pods, minReadySeconds, now);
    if (wait !== undefined) queue.addAfter(key, wait);
  };

  shared.podOwners.set('StatefulSet', enqueue);
  shared.orphanPodWatchers.push((pod) => {
    for (const entry of ctx.service.list(types.statefulSets, pod.namespace, {}).entries) {
      try {
        const set = JSON.parse(entry.json.toString('utf8')) as KubeObject;
        const selector = labelSelectorFromSpec(set.spec?.selector);
        if (!isEverything(selector) && matchesLabels(selector, pod.labels)) enqueue(entry.namespace, entry.name);
      } catch {
        // an invalid selector adopts nothing
      }
    }
  });
  revisions.listen((current, previous) => {
    for (const cr of [current, previous]) if (cr?.owner?.kind === 'StatefulSet') enqueue(cr.namespace, cr.owner.name);
  });
  const unsubscribe = onChange(ctx, types.statefulSets, (event) => {
    if (event.type !== 'DELETED') enqueue(event.entry.namespace, event.entry.name);
  });
  for (const entry of ctx.service.list(types.statefulSets, '', {}).entries) enqueue(entry.namespace, entry.name);
  return () => {
    unsubscribe();
    revisions.close();
    shared.podOwners.delete('StatefulSet');
    queue.stop();
  };
}

/**
 * Simulated dynamic provisioning: a PersistentVolume "pvc-<claim uid>" sized as the claim asks, bound both
 * ways (claimRef and volumeName) with both sides' status Bound, as the provisioner and PV controller leave them.
 * No pv/pvc-protection finalizers: nothing in the sandbox would remove them.
 */
export function bindClaim(ctx: ClusterContext, claim: KubeObject): void {
  const types = ctx.types;
  if (claim.spec?.volumeName && claim.status?.phase === 'Bound') return;
  const namespace = claim.metadata.namespace ?? '';
  const name = claim.metadata.name as string;
  const volumeName = claim.spec?.volumeName || `pvc-${claim.metadata.uid}`;
  const storage: string = claim.spec?.resources?.requests?.storage ?? '1Gi';
  const accessModes: string[] = claim.spec?.accessModes ?? ['ReadWriteOnce'];
  const storageClassName: string = claim.spec?.storageClassName ?? 'standard';
  let volume = ctx.service.find(types.persistentVolumes, '', volumeName);
  if (!volume) {
    volume = ctx.service.create(types.persistentVolumes, '', {
      metadata: { name: volumeName, annotations: { 'pv.kubernetes.io/provisioned-by': 'sandbox.kmaint.io/hostpath' } },
      spec: {
        capacity: { storage },
        accessModes,
        persistentVolumeReclaimPolicy: 'Delete',
        storageClassName,
        volumeMode: claim.spec?.volumeMode ?? 'Filesystem',
        hostPath: { path: `/var/lib/kmaint-sandbox/volumes/${volumeName}`, type: '' },
        claimRef: { kind: 'PersistentVolumeClaim', namespace, name, uid: claim.metadata.uid, apiVersion: 'v1', resourceVersion: claim.metadata.resourceVersion },
      },
    });
  }
  if (volume.status?.phase !== 'Bound') ctx.service.update(types.persistentVolumes, '', volumeName, { ...volume, status: { ...volume.status, phase: 'Bound', lastPhaseTransitionTime: timestamp(ctx.clock.nowMs()) } }, { subresource: 'status' });
  const annotations = { ...claim.metadata.annotations, 'pv.kubernetes.io/bind-completed': 'yes', 'pv.kubernetes.io/bound-by-controller': 'yes', 'volume.kubernetes.io/storage-provisioner': 'sandbox.kmaint.io/hostpath' };
  const bound = ctx.service.update(types.persistentVolumeClaims, namespace, name, { ...claim, metadata: { ...claim.metadata, annotations }, spec: { ...claim.spec, volumeName, storageClassName } });
  ctx.service.update(types.persistentVolumeClaims, namespace, name, { ...bound, status: { ...bound.status, phase: 'Bound', accessModes, capacity: { storage } } }, { subresource: 'status' });
}
