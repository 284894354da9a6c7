// What the workload controllers share: in-memory indexes of pods and owned objects by controller uid (kept
// current from store events, so no reconcile lists all pods), a per-turn budget for pod writes, owner
// references, pods from templates, upstream's template hash, event spam filtering and small pure rules.

import { isPlainObject, type KubeObject, type OwnerReference } from '../../domain/object.ts';
import { jsonEqual } from '../../domain/patch.ts';
import { parseEntry, type EventType } from '../apiserver/store.ts';
import { storageKeyOf, type ResourceType } from '../apiserver/resources.ts';
import type { ClusterContext } from './context.ts';
import { keyOf, onChange, type WorkQueue } from './runtime.ts';

// ------------------------------------------------------------------------------------------------
// indexes

/** What every indexed object exposes. */
export interface Owned {
  uid: string;
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** the controller owner reference, if any */
  owner?: OwnerReference;
  deleting: boolean;
}

export type IndexListener<T> = (current: T | undefined, previous: T | undefined, type: EventType) => void;

/**
 * Objects of one type indexed by their controller's uid (and orphans by namespace), maintained from the
 * store's synchronous change events. Listeners run inside the write: they may only look and enqueue.
 */
export class OwnedIndex<T extends Owned> {
  readonly byUid = new Map<string, T>();
  /** namespace/name -> the summary, to find a deleted object's summary without parsing it */
  private readonly byKey = new Map<string, T>();
  private readonly byOwner = new Map<string, Map<string, T>>();
  private readonly orphansByNamespace = new Map<string, Map<string, T>>();
  private readonly listeners: IndexListener<T>[] = [];
  private readonly unsubscribe: () => void;

  constructor(
    ctx: ClusterContext,
    type: ResourceType,
    private readonly summarize: (object: KubeObject) => T,
    /** summaries keep the object itself (ObjectInfo): they get a parsed copy, never the writer's object */
    keepsObject = false,
  ) {
    for (const entry of ctx.service.store.list(storageKeyOf(type)).entries) this.put(summarize(parseEntry(entry)));
    this.unsubscribe = onChange(ctx, type, (event, object) => {
      // a write hands over the object it stored; a deleted object is known by its key (parsed only if not)
      const known = event.type === 'DELETED' ? this.byKey.get(keyOf(event.entry.namespace, event.entry.name)) : undefined;
      const current = known ?? this.summarize((!keepsObject && object) || parseEntry(event.entry));
      const previous = this.byUid.get(current.uid);
      if (previous) this.remove(previous);
      if (event.type !== 'DELETED') this.put(current);
      for (const listener of this.listeners) listener(event.type === 'DELETED' ? undefined : current, previous ?? (event.type === 'DELETED' ? current : undefined), event.type);
    });
  }

  listen(listener: IndexListener<T>): void {
    this.listeners.push(listener);
  }

  owned(ownerUid: string): Iterable<T> {
    return this.byOwner.get(ownerUid)?.values() ?? [];
  }

  ownedCount(ownerUid: string): number {
    return this.byOwner.get(ownerUid)?.size ?? 0;
  }

  orphans(namespace: string): Iterable<T> {
    return this.orphansByNamespace.get(namespace)?.values() ?? [];
  }

  /** Every indexed object of a namespace. */
  *inNamespace(namespace: string): Iterable<T> {
    for (const item of this.byUid.values()) if (item.namespace === namespace) yield item;
  }

  close(): void {
    this.unsubscribe();
  }

  private put(item: T): void {
    this.byUid.set(item.uid, item);
    this.byKey.set(keyOf(item.namespace, item.name), item);
    const bucket = item.owner ? this.bucket(this.byOwner, item.owner.uid) : this.bucket(this.orphansByNamespace, item.namespace);
    bucket.set(item.uid, item);
  }

  private remove(item: T): void {
    this.byUid.delete(item.uid);
    const objectKey = keyOf(item.namespace, item.name);
    if (this.byKey.get(objectKey) === item) this.byKey.delete(objectKey);
    const map = item.owner ? this.byOwner : this.orphansByNamespace;
    const key = item.owner ? item.owner.uid : item.namespace;
    const bucket = map.get(key);
    bucket?.delete(item.uid);
    if (bucket?.size === 0) map.delete(key);
  }

  private bucket(map: Map<string, Map<string, T>>, key: string): Map<string, T> {
    let bucket = map.get(key);
    if (!bucket) map.set(key, (bucket = new Map()));
    return bucket;
  }
}

export function controllerRefOf(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((ref) => ref.controller === true);
}

/** The pod fields the controllers decide on, small enough to keep for 150,000 pods. */
export interface PodInfo extends Owned {
  phase: string;
  ready: boolean;
  /** when the Ready condition last turned True (ms), NaN when not ready */
  readySince: number;
  nodeName: string;
  /** spec.nodeName, or the node a DaemonSet pod's matchFields affinity names */
  targetNode: string;
  created: number;
  restarts: number;
  deletionCost: number;
  completionIndex?: string;
}

export function summarizePod(pod: KubeObject): PodInfo {
  const status = pod.status ?? {};
  const ready = (status.conditions ?? []).find((c: any) => c?.type === 'Ready');
  const isReady = ready?.status === 'True';
  let restarts = 0;
  for (const c of status.containerStatuses ?? []) restarts += c?.restartCount ?? 0;
  const nodeName: string = pod.spec?.nodeName ?? '';
  const cost = Number(pod.metadata.annotations?.['controller.kubernetes.io/pod-deletion-cost'] ?? 0);
  return {
    uid: pod.metadata.uid as string,
    namespace: pod.metadata.namespace ?? '',
    name: pod.metadata.name as string,
    labels: pod.metadata.labels ?? {},
    owner: controllerRefOf(pod),
    deleting: !!pod.metadata.deletionTimestamp,
    phase: status.phase ?? '',
    ready: isReady,
    readySince: isReady ? Date.parse(ready.lastTransitionTime ?? '') : NaN,
    nodeName,
    targetNode: nodeName || affinityNodeName(pod.spec?.affinity) || '',
    created: Date.parse(pod.metadata.creationTimestamp ?? ''),
    restarts,
    deletionCost: Number.isFinite(cost) ? cost : 0,
    completionIndex: pod.metadata.annotations?.['batch.kubernetes.io/job-completion-index'],
  };
}

/**
 * Whether two summaries of a pod say the same. A change that alters none of it (the kubelet's ContainerCreating
 * status, say) changes no controller's decision, so it wakes no owner: a large cluster's pods each write such a
 * status once, and their ReplicaSets need not look at all their pods again for it.
 */
export function samePodInfo(a: PodInfo, b: PodInfo): boolean {
  return (
    a.uid === b.uid &&
    a.namespace === b.namespace &&
    a.name === b.name &&
    a.deleting === b.deleting &&
    a.phase === b.phase &&
    a.ready === b.ready &&
    Object.is(a.readySince, b.readySince) &&
    a.nodeName === b.nodeName &&
    a.targetNode === b.targetNode &&
    Object.is(a.created, b.created) &&
    a.restarts === b.restarts &&
    a.deletionCost === b.deletionCost &&
    a.completionIndex === b.completionIndex &&
    sameOwnerReference(a.owner, b.owner) &&
    sameStringMap(a.labels, b.labels)
  );
}

function sameOwnerReference(a: OwnerReference | undefined, b: OwnerReference | undefined): boolean {
  if (!a || !b) return a === b;
  return a.uid === b.uid && a.name === b.name && a.kind === b.kind && a.apiVersion === b.apiVersion && a.controller === b.controller && a.blockOwnerDeletion === b.blockOwnerDeletion;
}

function sameStringMap(a: Record<string, string>, b: Record<string, string>): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) if (a[key] !== b[key] || !Object.hasOwn(b, key)) return false;
  return true;
}

/** The node a `matchFields metadata.name In [node]` required affinity pins a pod to (DaemonSet pods). */
export function affinityNodeName(affinity: any): string | undefined {
  for (const term of affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const field of term?.matchFields ?? []) {
      if (field?.key === 'metadata.name' && field.operator === 'In' && field.values?.length === 1) return field.values[0];
    }
  }
  return undefined;
}

/** A full object kept in an index, for the few-per-cluster kinds (ReplicaSets, Jobs, ControllerRevisions). */
export interface ObjectInfo extends Owned {
  object: KubeObject;
}

export function summarizeObject(object: KubeObject): ObjectInfo {
  return {
    uid: object.metadata.uid as string,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name as string,
    labels: object.metadata.labels ?? {},
    owner: controllerRefOf(object),
    deleting: !!object.metadata.deletionTimestamp,
    object,
  };
}

/** Pods that count toward a controller's replicas: not finished and not being deleted (controller.FilterActivePods). */
export function isActivePod(pod: PodInfo): boolean {
  return !pod.deleting && pod.phase !== 'Succeeded' && pod.phase !== 'Failed';
}

/** Ready for at least minReadySeconds (podutil.IsPodAvailable). */
export function isPodAvailable(pod: PodInfo, minReadySeconds: number, nowMs: number): boolean {
  if (!pod.ready) return false;
  if (!minReadySeconds) return true;
  return Number.isFinite(pod.readySince) && pod.readySince + minReadySeconds * 1000 <= nowMs;
}

/** Simulated ms until a ready pod becomes available, or undefined when none is waiting. */
export function nextAvailableIn(pods: Iterable<PodInfo>, minReadySeconds: number, nowMs: number): number | undefined {
  if (!minReadySeconds) return undefined;
  let soonest: number | undefined;
  for (const pod of pods) {
    if (!pod.ready || !Number.isFinite(pod.readySince)) continue;
    const wait = pod.readySince + minReadySeconds * 1000 - nowMs;
    if (wait > 0 && (soonest === undefined || wait < soonest)) soonest = wait;
  }
  return soonest === undefined ? undefined : soonest + 1;
}

// ------------------------------------------------------------------------------------------------
// writes

/**
 * Pod writes allowed per turn of the event loop, shared by all workload controllers, so a ReplicaSet of
 * 30,000 replicas creates its pods over many turns and the API server keeps answering in between.
 */
export class TurnBudget {
  private left: number;
  private resetScheduled = false;

  constructor(readonly perTurn: number) {
    this.left = perTurn;
  }

  take(wanted: number): number {
    const granted = Math.max(0, Math.min(wanted, this.left));
    this.left -= granted;
    if (!this.resetScheduled) {
      this.resetScheduled = true;
      setImmediate(() => {
        this.left = this.perTurn;
        this.resetScheduled = false;
      });
    }
    return granted;
  }
}

/** Reconciles the key again on a later turn (after the budget refills). */
export function requeueSoon(queue: WorkQueue, key: string): void {
  setImmediate(() => queue.add(key));
}

export function ownerReference(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion as string,
    kind: owner.kind as string,
    name: owner.metadata.name as string,
    uid: owner.metadata.uid as string,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Generated names keep 5 random characters within 63: the base is cut to 58 (names.SimpleNameGenerator). */
const MAX_GENERATED_BASE = 58;

/** The generateName a controller gives its pods: "<owner>-" (controller.getPodsPrefix), cut as the name generator does. */
export function podGenerateName(ownerName: string): string {
  return `${ownerName}-`.slice(0, MAX_GENERATED_BASE);
}

/** A pod from a pod template (controller.GetPodFromTemplate): labels, annotations, finalizers and spec copied. */
export function podFromTemplate(template: any, owner: KubeObject, extra: { name?: string; generateName?: string; labels?: Record<string, string>; annotations?: Record<string, string> } = {}): KubeObject {
  const meta = template?.metadata ?? {};
  const labels = { ...(meta.labels ?? {}), ...(extra.labels ?? {}) };
  const annotations = { ...(meta.annotations ?? {}), ...(extra.annotations ?? {}) };
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      ...(extra.name ? { name: extra.name } : { generateName: extra.generateName ?? podGenerateName(owner.metadata.name as string) }),
      namespace: owner.metadata.namespace,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
      ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      ...(meta.finalizers?.length ? { finalizers: [...meta.finalizers] } : {}),
      ownerReferences: [ownerReference(owner)],
    },
    spec: structuredClone(template?.spec ?? {}),
  };
  return pod;
}

/** Writes `status` through the status subresource when it differs; returns the stored object. */
export function writeStatus(ctx: ClusterContext, type: ResourceType, object: KubeObject, status: any): KubeObject {
  const next = stripUndefined(status);
  if (jsonEqual(next, object.status ?? {})) return object;
  // a status write takes only the status (and the resourceVersion precondition) from the body: send just those, owned
  const { name, namespace, resourceVersion } = object.metadata;
  const body = { metadata: { name, namespace, ...(resourceVersion !== undefined ? { resourceVersion } : {}) }, status: next };
  // the object as the caller read it is the stored one while its resourceVersion is: no need to parse it again
  const current = resourceVersion !== undefined ? { object, rv: Number(resourceVersion) } : undefined;
  return ctx.service.update(type, namespace ?? '', name as string, body, { subresource: 'status', bodyOwned: true, current });
}

function stripUndefined(value: any): any {
  if (Array.isArray(value)) return value.map(stripUndefined);
  if (!isPlainObject(value)) return value;
  const out: Record<string, any> = {};
  for (const [key, item] of Object.entries(value)) if (item !== undefined) out[key] = stripUndefined(item);
  return out;
}

/** RFC 3339 seconds, as the API serializes metav1.Time. */
export function timestamp(ms: number): string {
  return new Date(Math.floor(ms)).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// ------------------------------------------------------------------------------------------------
// events

/**
 * Events through client-go's spam filter: per involved object, a burst of 25 and then one per five minutes
 * (simulated), so a ReplicaSet of thousands of pods does not write thousands of events.
 */
export class EventGate {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly ctx: ClusterContext, private readonly component: string) {}

  record(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const key = `${object.metadata.uid}`;
    const now = this.ctx.clock.nowMs();
    const bucket = this.buckets.get(key) ?? { tokens: 25, at: now };
    bucket.tokens = Math.min(25, bucket.tokens + (now - bucket.at) / 300_000);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 50_000) this.buckets.delete(this.buckets.keys().next().value as string);
    if (bucket.tokens < 1) return;
    bucket.tokens--;
    this.ctx.events.record(object, type, reason, message, { component: this.component });
  }
}

// ------------------------------------------------------------------------------------------------
// pure rules

/** intstr.GetScaledValueFromIntOrPercent: an int as it is, "25%" of total rounded up or down. */
export function scaledValue(value: number | string | undefined | null, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  const match = /^(\d+)%$/.exec(value);
  if (!match) {
    const asInt = Number(value);
    if (Number.isInteger(asInt)) return asInt;
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  }
  const scaled = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
}

/** JSON with object keys sorted, so equal values hash equally. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (isPlainObject(value)) {
    return `{${Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableStringify(value[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * controller.ComputeHash: FNV-32a of the template (and the collision count, when set), its decimal digits
 * mapped through rand.SafeEncodeString. Upstream hashes Go's dump of the struct; we hash stable JSON, so the
 * values differ from a real cluster's but have the same shape and stability.
 */
export function computeHash(template: unknown, collisionCount?: number): string {
  let hash = 0x811c9dc5;
  const feed = (text: string): void => {
    for (const byte of Buffer.from(text, 'utf8')) {
      hash ^= byte;
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
  };
  feed(stableStringify(template));
  if (collisionCount !== undefined && collisionCount !== null) feed(`#${collisionCount}`);
  return [...String(hash >>> 0)].map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

// ------------------------------------------------------------------------------------------------
// wiring shared by the workload controllers

export interface WorkloadShared {
  pods: OwnedIndex<PodInfo>;
  budget: TurnBudget;
  /** by controller kind: enqueue the owner named by a pod's controller reference */
  podOwners: Map<string, (namespace: string, name: string) => void>;
  /** told about pods without a controller (new, released, relabelled), to adopt them */
  orphanPodWatchers: ((pod: PodInfo) => void)[];
}

/** Pod creations and deletions per turn of the event loop, and per reconcile (upstream's burstReplicas). */
export const POD_WRITES_PER_TURN = 250;
export const BURST_REPLICAS = 500;

export function createWorkloadShared(ctx: ClusterContext): WorkloadShared {
  const shared: WorkloadShared = {
    pods: new OwnedIndex(ctx, ctx.types.pods, summarizePod),
    budget: new TurnBudget(POD_WRITES_PER_TURN),
    podOwners: new Map(),
    orphanPodWatchers: [],
  };
  shared.pods.listen((current, previous) => {
    if (current && previous && samePodInfo(current, previous)) return;
    const notify = (pod: PodInfo | undefined): void => {
      if (pod?.owner) shared.podOwners.get(pod.owner.kind)?.(pod.namespace, pod.owner.name);
    };
    notify(current);
    if (previous?.owner && previous.owner.uid !== current?.owner?.uid) notify(previous);
    if (current && !current.owner && !current.deleting) {
      const changed = !previous || previous.owner || !jsonEqual(previous.labels, current.labels);
      if (changed) for (const watcher of shared.orphanPodWatchers) watcher(current);
    }
  });
  return shared;
}

/** Adds or removes the controller reference of a pod (ControllerRefManager adopt/release). */
export function setPodOwner(ctx: ClusterContext, pod: PodInfo, owner: KubeObject | undefined, releaseUid?: string): void {
  const current = ctx.service.find(ctx.types.pods, pod.namespace, pod.name);
  if (!current || current.metadata.uid !== pod.uid) return;
  const refs: OwnerReference[] = (current.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== releaseUid);
  if (owner) {
    if (refs.some((ref) => ref.controller)) return;
    refs.push(ownerReference(owner));
  }
  ctx.service.update(ctx.types.pods, pod.namespace, pod.name, { ...current, metadata: { ...current.metadata, ownerReferences: refs } });
}

// ------------------------------------------------------------------------------------------------
// ControllerRevisions (StatefulSets and DaemonSets)

/** What a revision stores: the template as a strategic merge patch that replaces it (as upstream's getPatch). */
export function revisionData(template: any): any {
  return { spec: { template: { ...structuredClone(template ?? {}), $patch: 'replace' } } };
}

/** The pod template a ControllerRevision holds. */
export function templateOfRevision(revision: KubeObject): any {
  const template = structuredClone(revision.data?.spec?.template ?? {});
  delete template.$patch;
  return template;
}

export const REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

/**
 * The revision matching `template`: an equal one is reused (and made the newest when it is not, as after a
 * rollback), otherwise one is created as "<owner>-<hash>" with revision max+1.
 */
export function syncControllerRevision(ctx: ClusterContext, owner: KubeObject, owned: KubeObject[], template: any): KubeObject {
  const data = revisionData(template);
  const max = owned.reduce((m, cr) => Math.max(m, cr.revision ?? 0), 0);
  const equal = owned.filter((cr) => jsonEqual(cr.data, data)).sort((a, b) => (b.revision ?? 0) - (a.revision ?? 0))[0];
  const namespace = owner.metadata.namespace ?? '';
  if (equal) {
    if ((equal.revision ?? 0) < max) return ctx.service.update(ctx.types.controllerRevisions, namespace, equal.metadata.name as string, { ...equal, revision: max + 1 });
    return equal;
  }
  const collisionCount: number | undefined = owner.status?.collisionCount || undefined;
  const hash = computeHash(template, collisionCount);
  const name = `${owner.metadata.name}-${hash}`;
  const revision: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: { name, namespace, labels: { ...(template?.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash }, ownerReferences: [ownerReference(owner)] },
    data,
    revision: max + 1,
  };
  try {
    return ctx.service.create(ctx.types.controllerRevisions, namespace, revision);
  } catch (error) {
    const existing = ctx.service.find(ctx.types.controllerRevisions, namespace, name);
    if (existing && jsonEqual(existing.data, data) && existing.metadata.ownerReferences?.some((ref) => ref.uid === owner.metadata.uid)) return existing;
    throw error;
  }
}

/** Deletes the oldest revisions beyond `limit` that no live pod or status still names. */
export function cleanupRevisions(ctx: ClusterContext, owned: KubeObject[], live: Set<string>, limit: number): void {
  const removable = owned.filter((cr) => !live.has(cr.metadata.name as string)).sort((a, b) => (a.revision ?? 0) - (b.revision ?? 0));
  for (const cr of removable.slice(0, Math.max(0, removable.length - limit))) {
    try {
      ctx.service.delete(ctx.types.controllerRevisions, cr.metadata.namespace ?? '', cr.metadata.name as string);
    } catch {
      // already gone
    }
  }
}
