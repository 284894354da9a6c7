// Garbage collection by ownerReferences, as upstream's garbage collector does it:
// - background: once an owner is gone, its dependents are deleted (a dependent goes when none of its owners is left;
//   one with a surviving owner only loses the references to the absent ones);
// - foreground: an owner with deletionTimestamp and the foregroundDeletion finalizer has its dependents deleted
//   first, and loses the finalizer (and so goes) once no dependent with blockOwnerDeletion is left;
// - orphan: an owner with the orphan finalizer has its references removed from its dependents, then the finalizer.
// An index of dependents by owner uid is kept from store events of every served resource type (custom ones
// included, as their CRDs appear), so a deletion never scans the cluster.

import type { KubeObject, OwnerReference } from '../../domain/object.ts';
import { ApiError } from '../apiserver/status.ts';
import { storageKeyOf, type ResourceType } from '../apiserver/resources.ts';
import { parseEntry, type Entry, type StoreEvent } from '../apiserver/store.ts';
import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';
import { WorkQueue } from './runtime.ts';
import { typeForKind } from './typelookup.ts';

const FOREGROUND = 'foregroundDeletion';
const ORPHAN = 'orphan';

/** "<storage key>\0<namespace>\0<name>": one object, whatever version it is read at */
type ObjectKey = string;

function objectKey(resource: string, namespace: string, name: string): ObjectKey {
  return `${resource}\u0000${namespace}\u0000${name}`;
}

function splitObjectKey(key: ObjectKey): { resource: string; namespace: string; name: string } {
  const [resource, namespace, name] = key.split('\u0000');
  return { resource, namespace, name };
}

const OWNER_REFS = Buffer.from('"ownerReferences":[');
const DELETION_TIMESTAMP = Buffer.from('"deletionTimestamp"');

/** The ownerReferences of a stored object, read without parsing the whole object (most objects have none). */
export function ownerReferencesOf(entry: Entry): OwnerReference[] {
  const at = entry.json.indexOf(OWNER_REFS);
  if (at < 0) return [];
  const start = at + OWNER_REFS.length - 1;
  const end = entry.json.indexOf(']', start);
  if (end < 0) return [];
  try {
    const refs = JSON.parse(entry.json.toString('utf8', start, end + 1));
    return Array.isArray(refs) ? refs : [];
  } catch {
    // a "]" inside a value: read it the slow way
    return parseEntry(entry).metadata.ownerReferences ?? [];
  }
}

interface Indexed {
  /** owner uids, in reference order */
  owners: string[];
  /** owner names, as referenced */
  names: string[];
}

export function startGarbageCollector(ctx: ClusterContext): Stop {
  const { service } = ctx;
  const registry = service.registry;
  /** dependent -> its owners */
  const dependents = new Map<ObjectKey, Indexed>();
  /** owner uid -> dependents naming it */
  const byOwner = new Map<string, Set<ObjectKey>>();
  /** owner name -> how many references name it: a deleted object no reference names is nobody's owner */
  const ownerNames = new Map<string, number>();
  /** storage key -> a type to read and write it with */
  const typesByResource = new Map<string, ResourceType>();
  const watched = new Map<string, () => void>();
  let stopped = false;

  const index = (key: ObjectKey, refs: readonly OwnerReference[]): void => {
    const named = refs.filter((ref) => typeof ref.uid === 'string');
    const owners = named.map((ref) => ref.uid);
    const names = named.map((ref) => String(ref.name));
    const before = dependents.get(key);
    if (before && sameStrings(before.owners, owners) && sameStrings(before.names, names)) return;
    if (before) {
      for (const uid of before.owners) {
        if (owners.includes(uid)) continue;
        const set = byOwner.get(uid);
        set?.delete(key);
        if (set?.size === 0) byOwner.delete(uid);
      }
      for (const name of before.names) {
        const count = (ownerNames.get(name) ?? 0) - 1;
        if (count > 0) ownerNames.set(name, count);
        else ownerNames.delete(name);
      }
    }
    for (const name of names) ownerNames.set(name, (ownerNames.get(name) ?? 0) + 1);
    if (owners.length === 0) {
      dependents.delete(key);
      return;
    }
    dependents.set(key, { owners, names });
    for (const uid of owners) {
      let set = byOwner.get(uid);
      if (!set) byOwner.set(uid, (set = new Set()));
      set.add(key);
    }
  };

  const typeOf = (resource: string): ResourceType | undefined => typesByResource.get(resource);

  const find = (key: ObjectKey): { type: ResourceType; object: KubeObject } | undefined => {
    const { resource, namespace, name } = splitObjectKey(key);
    const type = typeOf(resource);
    const object = type ? service.store.getObject(resource, namespace, name) : undefined;
    return type && object ? { type, object } : undefined;
  };

  // ---- the two kinds of work: a dependent whose owners may be gone or going, and an owner being deleted

  const attemptToDelete = (key: ObjectKey): void => {
    const found = find(key);
    if (!found) {
      index(key, []);
      return;
    }
    const { type, object } = found;
    const refs = object.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const namespace = object.metadata.namespace ?? '';
    const solid: OwnerReference[] = [];
    const dangling: OwnerReference[] = [];
    const waiting: OwnerReference[] = [];
    for (const ref of refs) {
      const state = ownerState(ref, namespace, type.namespaced);
      if (state === 'absent') dangling.push(ref);
      else if (state === 'deleting-dependents') waiting.push(ref);
      else solid.push(ref);
    }
    if (dangling.length === 0 && waiting.length === 0) return;
    // already going: nothing more to do for it (a foreground deletion of its own is handled as an owner)
    if (object.metadata.deletionTimestamp) return;
    if (solid.length > 0) {
      // it has an owner that stays: it only loses the references to the others
      const gone = new Set([...dangling, ...waiting].map((ref) => ref.uid));
      writeOwnerReferences(type, object, refs.filter((ref) => !gone.has(ref.uid)));
      return;
    }
    const ownUid = object.metadata.uid as string;
    if (waiting.length > 0 && (byOwner.get(ownUid)?.size ?? 0) > 0) {
      // its owner waits for it and it has dependents of its own: delete it in the foreground too, after
      // unblocking its references so that the owners do not wait on each other
      const waitingUids = new Set(waiting.map((ref) => ref.uid));
      const unblocked = refs.map((ref) => (waitingUids.has(ref.uid) && ref.blockOwnerDeletion ? { ...ref, blockOwnerDeletion: false } : ref));
      const next = unblocked.some((ref, i) => ref !== refs[i]) ? writeOwnerReferences(type, object, unblocked) : object;
      remove(type, next, 'Foreground');
      return;
    }
    const finalizers = object.metadata.finalizers ?? [];
    remove(type, object, finalizers.includes(ORPHAN) ? 'Orphan' : finalizers.includes(FOREGROUND) ? 'Foreground' : 'Background');
  };

  const processOwner = (key: ObjectKey): void => {
    const found = find(key);
    if (!found) return;
    const { type, object } = found;
    if (!object.metadata.deletionTimestamp) return;
    const finalizers = object.metadata.finalizers ?? [];
    const uid = object.metadata.uid as string;
    if (finalizers.includes(ORPHAN)) {
      for (const dependentKey of [...(byOwner.get(uid) ?? [])]) {
        const dependent = find(dependentKey);
        if (!dependent) continue;
        const refs = dependent.object.metadata.ownerReferences ?? [];
        if (refs.some((ref) => ref.uid === uid)) writeOwnerReferences(dependent.type, dependent.object, refs.filter((ref) => ref.uid !== uid));
      }
      removeFinalizer(type, object, ORPHAN);
      return;
    }
    if (finalizers.includes(FOREGROUND)) {
      let blocking = 0;
      for (const dependentKey of [...(byOwner.get(uid) ?? [])]) {
        const dependent = find(dependentKey);
        if (!dependent) {
          index(dependentKey, []);
          continue;
        }
        const ref = (dependent.object.metadata.ownerReferences ?? []).find((r) => r.uid === uid);
        if (!ref) continue;
        if (ref.blockOwnerDeletion) blocking++;
        if (!dependent.object.metadata.deletionTimestamp) dependentsQueue.add(dependentKey);
      }
      if (blocking === 0) removeFinalizer(type, object, FOREGROUND);
    }
  };

  /** Where an owner reference points: 'absent' (gone, or another object of that name), 'deleting-dependents' or 'present'. */
  const ownerState = (ref: OwnerReference, namespace: string, dependentNamespaced: boolean): 'absent' | 'deleting-dependents' | 'present' => {
    const type = typeForKind(service, ref.apiVersion, ref.kind);
    // an unknown kind may be served later (a CRD not yet created): upstream keeps such dependents too
    if (!type) return 'present';
    // a cluster-scoped dependent cannot be owned by a namespaced object
    if (type.namespaced && !dependentNamespaced) return 'absent';
    const owner = service.find(type, type.namespaced ? namespace : '', ref.name);
    if (!owner || owner.metadata.uid !== ref.uid) return 'absent';
    if (owner.metadata.deletionTimestamp && (owner.metadata.finalizers ?? []).includes(FOREGROUND)) return 'deleting-dependents';
    return 'present';
  };

  const writeOwnerReferences = (type: ResourceType, object: KubeObject, refs: OwnerReference[]): KubeObject => {
    const patch = { metadata: { ownerReferences: refs.length > 0 ? refs : null } };
    return ignoreGone(() => service.patch(type, object.metadata.namespace ?? '', object.metadata.name as string, 'merge', patch).object) ?? object;
  };

  const removeFinalizer = (type: ResourceType, object: KubeObject, finalizer: string): void => {
    const rest = (object.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    const patch = { metadata: { finalizers: rest.length > 0 ? rest : null, resourceVersion: object.metadata.resourceVersion } };
    ignoreGone(() => service.patch(type, object.metadata.namespace ?? '', object.metadata.name as string, 'merge', patch));
  };

  const remove = (type: ResourceType, object: KubeObject, propagationPolicy: 'Background' | 'Foreground' | 'Orphan'): void => {
    ignoreGone(() => service.delete(type, object.metadata.namespace ?? '', object.metadata.name as string, { propagationPolicy, preconditions: { uid: object.metadata.uid } }));
  };

  const dependentsQueue = new WorkQueue(ctx, 'garbage-collector', attemptToDelete);
  const ownersQueue = new WorkQueue(ctx, 'garbage-collector-owners', processOwner);

  // ---- events

  const handle = (event: StoreEvent, object: KubeObject | undefined): void => {
    const entry = event.entry;
    if (event.type === 'DELETED') {
      // an object stored without references was never indexed (most deletions are of such: trimmed events)
      if (event.previous?.json.includes(OWNER_REFS) !== false) {
        const key = objectKey(event.resource, entry.namespace, entry.name);
        const before = dependents.get(key)?.owners ?? [];
        index(key, []);
        // an owner deleting in the foreground may have been waiting for this one
        for (const ownerUid of before) enqueueOwnerByUid(ownerUid);
      }
      if (ownerNames.has(entry.name)) {
        const uid = parseEntry(entry).metadata.uid as string;
        for (const dependentKey of byOwner.get(uid) ?? []) dependentsQueue.add(dependentKey);
      }
      return;
    }
    // the written object when there is one; else (objects found at start) the bytes, parsed only when deleted
    const refs = object ? (object.metadata.ownerReferences ?? []) : ownerReferencesOf(entry);
    // no references now, and none before (the index holds the previous state's): nothing to index or wake
    const unindexed = refs.length === 0 && (event.type === 'ADDED' || !event.previous?.json.includes(OWNER_REFS));
    if (!unindexed) {
      const key = objectKey(event.resource, entry.namespace, entry.name);
      const before = dependents.get(key)?.owners ?? [];
      index(key, refs);
      const now = refs.map((ref) => ref.uid);
      for (const ownerUid of before) if (!now.includes(ownerUid)) enqueueOwnerByUid(ownerUid);
      if (refs.length > 0 && (event.type === 'ADDED' || now.some((uid) => !before.includes(uid)))) {
        // a new reference may name an owner that is gone or going
        if (refs.some((ref) => ownerStateQuick(ref, entry.namespace))) dependentsQueue.add(key);
      }
    }
    // an owner being deleted in the foreground or orphan mode has work of its own
    const current = object ?? (entry.json.includes(DELETION_TIMESTAMP) ? parseEntry(entry) : undefined);
    const finalizers = current?.metadata.finalizers ?? [];
    if (current?.metadata.deletionTimestamp && (finalizers.includes(FOREGROUND) || finalizers.includes(ORPHAN))) {
      const key = objectKey(event.resource, entry.namespace, entry.name);
      ownersByUid.set(current.metadata.uid as string, key);
      ownersQueue.add(key);
    }
  };

  /** owners currently deleting in the foreground or orphan mode, by uid, so their dependents can wake them */
  const ownersByUid = new Map<string, ObjectKey>();
  const enqueueOwnerByUid = (uid: string): void => {
    const key = ownersByUid.get(uid);
    if (!key) return;
    if (!find(key)) ownersByUid.delete(uid);
    else ownersQueue.add(key);
  };

  /** A look in the handler (reads only): does this reference need attention? */
  const ownerStateQuick = (ref: OwnerReference, namespace: string): boolean => {
    const type = typeForKind(service, ref.apiVersion, ref.kind);
    if (!type) return false;
    const owner = service.store.get(storageKeyOf(type), type.namespaced ? namespace : '', ref.name);
    return !owner || !owner.json.includes(ref.uid) || owner.json.includes(DELETION_TIMESTAMP);
  };

  const watch = (type: ResourceType): void => {
    const resource = storageKeyOf(type);
    if (type.virtual) return;
    if (!typesByResource.has(resource)) typesByResource.set(resource, type);
    if (watched.has(resource)) return;
    watched.set(resource, service.store.watch(resource, handle));
    // objects already stored (restored from a data dir, or written before this type was watched)
    for (const entry of service.store.list(resource).entries) {
      handle({ type: 'ADDED', resource, rv: entry.rv, entry }, undefined);
    }
  };

  const syncTypes = (): void => {
    if (stopped) return;
    const served = new Set<string>();
    for (const type of registry.all()) {
      if (type.virtual) continue;
      served.add(storageKeyOf(type));
      watch(type);
    }
    for (const [resource, unwatch] of watched) {
      if (served.has(resource)) continue;
      unwatch();
      watched.delete(resource);
      typesByResource.delete(resource);
    }
  };
  registry.onChange(syncTypes);
  syncTypes();

  return () => {
    stopped = true;
    for (const unwatch of watched.values()) unwatch();
    watched.clear();
    dependentsQueue.stop();
    ownersQueue.stop();
  };
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function ignoreGone<T>(write: () => T): T | undefined {
  try {
    return write();
  } catch (error) {
    // gone or changed meanwhile: its own event brings it back to the queue
    if (error instanceof ApiError && (error.code === 404 || error.code === 409)) return undefined;
    throw error;
  }
}
