// Binding a pod to a node in one write: spec.nodeName and the PodScheduled=True condition together, as
// upstream's binding storage does (no other write path may change spec and status at once). The scheduler
// binds every pod of a large scenario through this, so it skips what a general update would redo.

import type { KubeObject } from '../../domain/object.ts';
import type { ObjectService } from './objects.ts';
import { storageKeyOf, type ResourceType } from './resources.ts';
import { parseEntry } from './store.ts';
import { conflict, notFound } from './status.ts';

function timestamp(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Binds namespace/name to nodeName. `parsed` may carry the pod as already parsed from its stored entry (with
 * that entry's resourceVersion), to spare parsing it again; it is changed in place and must not be shared.
 * Throws NotFound, or Conflict when the pod is already bound or is being deleted, as POST pods/binding does.
 */
export function bindPodToNode(
  service: ObjectService,
  podType: ResourceType,
  namespace: string,
  name: string,
  nodeName: string,
  now: Date,
  parsed?: { object: KubeObject; rv: number },
): KubeObject {
  const resource = storageKeyOf(podType);
  const entry = service.store.get(resource, namespace, name);
  if (!entry) throw notFound(podType, name);
  const pod = parsed && parsed.rv === entry.rv ? parsed.object : parseEntry(entry);
  if (pod.spec?.nodeName) throw conflict(podType, name, `pod ${name} is already assigned to node "${pod.spec.nodeName}"`);
  if (pod.metadata.deletionTimestamp) throw conflict(podType, name, `pod ${name} is being deleted, cannot be assigned to a host`);
  pod.spec = { ...pod.spec, nodeName };
  const conditions = (pod.status?.conditions ?? []).filter((c: any) => c.type !== 'PodScheduled');
  conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: timestamp(now) });
  pod.status = { ...pod.status, conditions };
  service.store.put(resource, pod);
  return pod;
}

/** Sets PodScheduled=False (reason Unschedulable) with the scheduler's message, unless it already says so. */
export function markPodUnschedulable(service: ObjectService, podType: ResourceType, namespace: string, name: string, message: string, now: Date): KubeObject | undefined {
  const pod = service.find(podType, namespace, name);
  if (!pod || pod.spec?.nodeName || pod.metadata.deletionTimestamp) return undefined;
  const conditions: any[] = pod.status?.conditions ?? [];
  const current = conditions.find((c) => c.type === 'PodScheduled');
  if (current && current.status === 'False' && current.reason === 'Unschedulable' && current.message === message) return pod;
  const transition = current && current.status === 'False' ? current.lastTransitionTime : timestamp(now);
  const next = conditions.filter((c) => c.type !== 'PodScheduled');
  next.push({ type: 'PodScheduled', status: 'False', lastProbeTime: null, lastTransitionTime: transition, reason: 'Unschedulable', message });
  return service.update(podType, namespace, name, { ...pod, status: { ...pod.status, conditions: next } }, { subresource: 'status', bodyOwned: true });
}
