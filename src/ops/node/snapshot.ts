// The cluster snapshot the drain planner reads: nodes, every pod, budgets, the controllers behind pods
// (replica counts for budgets, whether a DaemonSet still exists), claims and volumes (local-volume risks),
// namespaces (affinity namespaceSelector). Each kind is one consistent paged list; the kinds are read together.

import type { KubeClient } from '../../kube/client.ts';
import { listAll } from '../../kube/list.ts';
import type { KubeObject } from '../../domain/object.ts';
import type { ClusterSnapshot } from '../../domain/drain/plan.ts';

interface Source {
  path: string;
  apiVersion: string;
  kind: string;
}

const WORKLOADS: readonly Source[] = [
  { path: '/apis/apps/v1/daemonsets', apiVersion: 'apps/v1', kind: 'DaemonSet' },
  { path: '/apis/apps/v1/replicasets', apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { path: '/apis/apps/v1/deployments', apiVersion: 'apps/v1', kind: 'Deployment' },
  { path: '/apis/apps/v1/statefulsets', apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { path: '/api/v1/replicationcontrollers', apiVersion: 'v1', kind: 'ReplicationController' },
  { path: '/apis/batch/v1/jobs', apiVersion: 'batch/v1', kind: 'Job' },
];

/** List items carry no apiVersion/kind; the planner's controller lookup needs them. */
async function read(client: KubeClient, source: Source, signal: AbortSignal | undefined): Promise<KubeObject[]> {
  const { items } = await listAll<KubeObject>(client, source.path, { signal });
  return items.map((item) => (item.apiVersion && item.kind ? item : { ...item, apiVersion: source.apiVersion, kind: source.kind }));
}

export async function readDrainSnapshot(client: KubeClient, options: { signal?: AbortSignal } = {}): Promise<ClusterSnapshot> {
  const signal = options.signal;
  const [nodes, pods, pdbs, pvcs, pvs, namespaces, ...workloads] = await Promise.all([
    read(client, { path: '/api/v1/nodes', apiVersion: 'v1', kind: 'Node' }, signal),
    read(client, { path: '/api/v1/pods', apiVersion: 'v1', kind: 'Pod' }, signal),
    read(client, { path: '/apis/policy/v1/poddisruptionbudgets', apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' }, signal),
    read(client, { path: '/api/v1/persistentvolumeclaims', apiVersion: 'v1', kind: 'PersistentVolumeClaim' }, signal),
    read(client, { path: '/api/v1/persistentvolumes', apiVersion: 'v1', kind: 'PersistentVolume' }, signal),
    read(client, { path: '/api/v1/namespaces', apiVersion: 'v1', kind: 'Namespace' }, signal),
    ...WORKLOADS.map((source) => read(client, source, signal)),
  ]);
  return { nodes, pods, pdbs, pvcs, pvs, namespaces, workloads: workloads.flat() };
}
