// The pod and workload subresources with behaviour of their own: eviction (PodDisruptionBudgets), binding, scale.

import { isPlainObject, type KubeObject } from '../../domain/object.ts';
import { bindPodToNode } from './binding.ts';
import { parseEntry } from './store.ts';
import { labelSelectorFromSpec, matchesLabels, selectorToString } from '../../domain/selectors.ts';
import type { DeleteOptions, ObjectService } from './objects.ts';
import type { ResourceType } from './resources.ts';
import { ApiError, badRequest, conflict } from './status.ts';

export const SUCCESS_STATUS = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 };

function typeOf(service: ObjectService, group: string, version: string, resource: string): ResourceType {
  return service.registry.get(group, version, resource)!;
}

function isReady(pod: KubeObject): boolean {
  return (pod.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
}

/** POST pods/NAME/eviction, as policy/v1 evictions behave against PodDisruptionBudgets. */
export function evictPod(service: ObjectService, namespace: string, name: string, body: unknown, now: Date): object {
  const podType = typeOf(service, '', 'v1', 'pods');
  if (!isPlainObject(body)) throw badRequest('the eviction body must be an Eviction object');
  if (body.kind !== undefined && body.kind !== 'Eviction') throw badRequest(`the kind in the data (${body.kind}) does not match the expected kind (Eviction)`);
  if (body.metadata?.name && body.metadata.name !== name) throw badRequest(`name in URL does not match name in Eviction object`);
  const deleteOptions: DeleteOptions = isPlainObject(body.deleteOptions) ? body.deleteOptions : {};
  const pod = service.get(podType, namespace, name);

  // as upstream's canIgnorePDB: finished, not yet started and already terminating pods go without a budget check
  const ignoresBudget = ['Succeeded', 'Failed', 'Pending'].includes(pod.status?.phase ?? 'Pending');
  if (ignoresBudget || pod.metadata.deletionTimestamp) {
    service.delete(podType, namespace, name, deleteOptions);
    return SUCCESS_STATUS;
  }
  const pdbType = typeOf(service, 'policy', 'v1', 'poddisruptionbudgets');
  const budgets = service
    .list(pdbType, namespace, {})
    .entries.map(parseEntry)
    .filter((pdb) => matchesLabels(labelSelectorFromSpec(pdb.spec?.selector), pod.metadata.labels));
  if (budgets.length > 1) {
    throw new ApiError(500, 'InternalError', 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
  }
  if (budgets.length === 1) {
    const pdb = budgets[0];
    const status = pdb.status ?? {};
    const tooManyRequests = (message: string, retryAfterSeconds?: number): ApiError =>
      new ApiError(429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.", {
        causes: [{ reason: 'DisruptionBudget', message }],
        ...(retryAfterSeconds ? { retryAfterSeconds } : {}),
      });
    if ((status.observedGeneration ?? 0) < (pdb.metadata.generation ?? 1)) {
      throw tooManyRequests(`The disruption budget ${pdb.metadata.name} is still being processed by the server.`, 10);
    }
    const policy = pdb.spec?.unhealthyPodEvictionPolicy ?? 'IfHealthyBudget';
    const desired = status.desiredHealthy ?? 0;
    const unhealthyMayGo = !isReady(pod) && (policy === 'AlwaysAllow' || ((status.currentHealthy ?? 0) >= desired && desired > 0));
    if (!unhealthyMayGo) {
      if ((status.disruptionsAllowed ?? 0) <= 0) {
        throw tooManyRequests(`The disruption budget ${pdb.metadata.name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`);
      }
      const disrupted = { ...(status.disruptedPods ?? {}), [name]: now.toISOString().replace(/\.\d{3}Z$/, 'Z') };
      const next = { ...pdb, status: { ...status, disruptionsAllowed: status.disruptionsAllowed - 1, disruptedPods: disrupted } };
      service.update(pdbType, namespace, pdb.metadata.name as string, next, { subresource: 'status' });
    }
  }
  service.delete(podType, namespace, name, deleteOptions);
  return SUCCESS_STATUS;
}

/** POST pods/NAME/binding: what a scheduler does to place a pod. */
export function bindPod(service: ObjectService, namespace: string, name: string, body: unknown, now: Date): object {
  if (!isPlainObject(body) || !isPlainObject(body.target) || !body.target.name) throw badRequest('a Binding needs target.name');
  bindPodToNode(service, typeOf(service, '', 'v1', 'pods'), namespace, name, body.target.name, now);
  return SUCCESS_STATUS;
}

/** The autoscaling/v1 Scale view of a workload. */
export function scaleOf(object: KubeObject): KubeObject {
  const selector = object.kind === 'ReplicationController'
    ? Object.entries(object.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(',')
    : selectorToString(labelSelectorFromSpec(object.spec?.selector));
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: {
      name: object.metadata.name,
      namespace: object.metadata.namespace,
      uid: object.metadata.uid,
      resourceVersion: object.metadata.resourceVersion,
      creationTimestamp: object.metadata.creationTimestamp,
    },
    spec: { replicas: object.spec?.replicas ?? 0 },
    status: { replicas: object.status?.replicas ?? 0, selector },
  };
}

/** Writes a changed Scale back to its workload. */
export function applyScale(service: ObjectService, type: ResourceType, namespace: string, name: string, scale: unknown): KubeObject {
  if (!isPlainObject(scale) || !isPlainObject(scale.spec)) throw badRequest('a Scale needs spec.replicas');
  const replicas = scale.spec.replicas;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw new ApiError(422, 'Invalid', `Scale.autoscaling "${name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`);
  }
  const current = service.get(type, namespace, name);
  const wanted = scale.metadata?.resourceVersion;
  if (wanted && wanted !== current.metadata.resourceVersion) throw conflict(type, name);
  const next = service.update(type, namespace, name, { ...current, spec: { ...current.spec, replicas } });
  return scaleOf(next);
}
