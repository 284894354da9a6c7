// What every in-process controller and simulated kubelet gets: the object service (the same semantics as the
// HTTP API), the simulated clock, the event recorder, container logs and the metrics board.

import { LogBook } from '../apiserver/logs.ts';
import type { ObjectService } from '../apiserver/objects.ts';
import type { ResourceType } from '../apiserver/resources.ts';
import type { Clock } from '../clock.ts';
import { EventRecorder } from './events.ts';
import { MetricsBoard } from './metrics.ts';

export interface BuiltInTypes {
  namespaces: ResourceType;
  nodes: ResourceType;
  pods: ResourceType;
  services: ResourceType;
  endpoints: ResourceType;
  endpointSlices: ResourceType;
  events: ResourceType;
  configMaps: ResourceType;
  persistentVolumes: ResourceType;
  persistentVolumeClaims: ResourceType;
  replicationControllers: ResourceType;
  deployments: ResourceType;
  replicaSets: ResourceType;
  statefulSets: ResourceType;
  daemonSets: ResourceType;
  controllerRevisions: ResourceType;
  jobs: ResourceType;
  cronJobs: ResourceType;
  podDisruptionBudgets: ResourceType;
  leases: ResourceType;
  horizontalPodAutoscalers: ResourceType;
}

export interface ClusterContext {
  service: ObjectService;
  clock: Clock;
  events: EventRecorder;
  logs: LogBook;
  metrics: MetricsBoard;
  types: BuiltInTypes;
}

export function builtInTypes(service: ObjectService): BuiltInTypes {
  const get = (group: string, version: string, resource: string): ResourceType => {
    const type = service.registry.get(group, version, resource);
    if (!type) throw new Error(`built-in resource ${group}/${version}/${resource} is not registered`);
    return type;
  };
  return {
    namespaces: get('', 'v1', 'namespaces'),
    nodes: get('', 'v1', 'nodes'),
    pods: get('', 'v1', 'pods'),
    services: get('', 'v1', 'services'),
    endpoints: get('', 'v1', 'endpoints'),
    endpointSlices: get('discovery.k8s.io', 'v1', 'endpointslices'),
    events: get('', 'v1', 'events'),
    configMaps: get('', 'v1', 'configmaps'),
    persistentVolumes: get('', 'v1', 'persistentvolumes'),
    persistentVolumeClaims: get('', 'v1', 'persistentvolumeclaims'),
    replicationControllers: get('', 'v1', 'replicationcontrollers'),
    deployments: get('apps', 'v1', 'deployments'),
    replicaSets: get('apps', 'v1', 'replicasets'),
    statefulSets: get('apps', 'v1', 'statefulsets'),
    daemonSets: get('apps', 'v1', 'daemonsets'),
    controllerRevisions: get('apps', 'v1', 'controllerrevisions'),
    jobs: get('batch', 'v1', 'jobs'),
    cronJobs: get('batch', 'v1', 'cronjobs'),
    podDisruptionBudgets: get('policy', 'v1', 'poddisruptionbudgets'),
    leases: get('coordination.k8s.io', 'v1', 'leases'),
    horizontalPodAutoscalers: get('autoscaling', 'v2', 'horizontalpodautoscalers'),
  };
}

/** The context for a sandbox's service and clock, with fresh logs and metrics unless given. */
export function createClusterContext(service: ObjectService, clock: Clock, parts: { logs?: LogBook; metrics?: MetricsBoard } = {}): ClusterContext {
  return {
    service,
    clock,
    logs: parts.logs ?? new LogBook(),
    metrics: parts.metrics ?? new MetricsBoard(),
    types: builtInTypes(service),
    events: new EventRecorder(service, clock),
  };
}
