// The resource types the sandbox serves: built-in ones from a table, custom ones added when a CRD is created.

import { apiVersionOf } from '../../domain/object.ts';

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
  format?: string;
}

export interface ResourceType {
  group: string;
  version: string;
  /** plural, lower case: "pods" */
  resource: string;
  kind: string;
  singular: string;
  namespaced: boolean;
  verbs: Verb[];
  shortNames: string[];
  categories: string[];
  /** subresource name -> kind it accepts/returns (e.g. status -> Pod, eviction -> policy/v1 Eviction) */
  subresources: Subresource[];
  /** set for custom resources: the CRD's schema and printer columns */
  custom?: { schema?: unknown; printerColumns: PrinterColumn[]; crdName: string; scalePaths?: unknown };
  /** virtual resources are computed, never stored (metrics, access reviews) */
  virtual?: boolean;
}

export interface Subresource {
  name: string;
  group: string;
  version: string;
  kind: string;
  verbs: Verb[];
}

const CRUD: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const READ: Verb[] = ['get', 'list'];

interface Row {
  g: string;
  v: string;
  r: string;
  k: string;
  ns: boolean;
  short?: string[];
  all?: boolean;
  sub?: Array<'status' | 'scale' | 'eviction' | 'binding' | 'log' | 'ephemeralcontainers'>;
  verbs?: Verb[];
  virtual?: boolean;
}

// The built-in API surface (the subset of a v1.35 cluster that kmaint and its runbooks use).
const BUILT_IN: Row[] = [
  { g: '', v: 'v1', r: 'namespaces', k: 'Namespace', ns: false, short: ['ns'], sub: ['status'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'] },
  { g: '', v: 'v1', r: 'nodes', k: 'Node', ns: false, short: ['no'], sub: ['status'] },
  { g: '', v: 'v1', r: 'pods', k: 'Pod', ns: true, short: ['po'], all: true, sub: ['status', 'eviction', 'binding', 'log', 'ephemeralcontainers'] },
  { g: '', v: 'v1', r: 'services', k: 'Service', ns: true, short: ['svc'], all: true, sub: ['status'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] },
  { g: '', v: 'v1', r: 'endpoints', k: 'Endpoints', ns: true, short: ['ep'] },
  { g: '', v: 'v1', r: 'configmaps', k: 'ConfigMap', ns: true, short: ['cm'] },
  { g: '', v: 'v1', r: 'secrets', k: 'Secret', ns: true },
  { g: '', v: 'v1', r: 'serviceaccounts', k: 'ServiceAccount', ns: true, short: ['sa'] },
  { g: '', v: 'v1', r: 'events', k: 'Event', ns: true, short: ['ev'] },
  { g: '', v: 'v1', r: 'persistentvolumes', k: 'PersistentVolume', ns: false, short: ['pv'], sub: ['status'] },
  { g: '', v: 'v1', r: 'persistentvolumeclaims', k: 'PersistentVolumeClaim', ns: true, short: ['pvc'], sub: ['status'] },
  { g: '', v: 'v1', r: 'limitranges', k: 'LimitRange', ns: true, short: ['limits'] },
  { g: '', v: 'v1', r: 'resourcequotas', k: 'ResourceQuota', ns: true, short: ['quota'], sub: ['status'] },
  { g: '', v: 'v1', r: 'replicationcontrollers', k: 'ReplicationController', ns: true, short: ['rc'], all: true, sub: ['status', 'scale'] },
  { g: 'apps', v: 'v1', r: 'deployments', k: 'Deployment', ns: true, short: ['deploy'], all: true, sub: ['status', 'scale'] },
  { g: 'apps', v: 'v1', r: 'replicasets', k: 'ReplicaSet', ns: true, short: ['rs'], all: true, sub: ['status', 'scale'] },
  { g: 'apps', v: 'v1', r: 'statefulsets', k: 'StatefulSet', ns: true, short: ['sts'], all: true, sub: ['status', 'scale'] },
  { g: 'apps', v: 'v1', r: 'daemonsets', k: 'DaemonSet', ns: true, short: ['ds'], all: true, sub: ['status'] },
  { g: 'apps', v: 'v1', r: 'controllerrevisions', k: 'ControllerRevision', ns: true },
  { g: 'batch', v: 'v1', r: 'jobs', k: 'Job', ns: true, all: true, sub: ['status'] },
  { g: 'batch', v: 'v1', r: 'cronjobs', k: 'CronJob', ns: true, short: ['cj'], all: true, sub: ['status'] },
  { g: 'policy', v: 'v1', r: 'poddisruptionbudgets', k: 'PodDisruptionBudget', ns: true, short: ['pdb'], sub: ['status'] },
  { g: 'coordination.k8s.io', v: 'v1', r: 'leases', k: 'Lease', ns: true },
  { g: 'networking.k8s.io', v: 'v1', r: 'networkpolicies', k: 'NetworkPolicy', ns: true, short: ['netpol'] },
  { g: 'networking.k8s.io', v: 'v1', r: 'ingresses', k: 'Ingress', ns: true, short: ['ing'], sub: ['status'] },
  { g: 'rbac.authorization.k8s.io', v: 'v1', r: 'roles', k: 'Role', ns: true },
  { g: 'rbac.authorization.k8s.io', v: 'v1', r: 'rolebindings', k: 'RoleBinding', ns: true },
  { g: 'rbac.authorization.k8s.io', v: 'v1', r: 'clusterroles', k: 'ClusterRole', ns: false },
  { g: 'rbac.authorization.k8s.io', v: 'v1', r: 'clusterrolebindings', k: 'ClusterRoleBinding', ns: false },
  { g: 'autoscaling', v: 'v2', r: 'horizontalpodautoscalers', k: 'HorizontalPodAutoscaler', ns: true, short: ['hpa'], all: true, sub: ['status'] },
  { g: 'storage.k8s.io', v: 'v1', r: 'storageclasses', k: 'StorageClass', ns: false, short: ['sc'] },
  { g: 'scheduling.k8s.io', v: 'v1', r: 'priorityclasses', k: 'PriorityClass', ns: false, short: ['pc'] },
  { g: 'events.k8s.io', v: 'v1', r: 'events', k: 'Event', ns: true, short: ['ev'] },
  { g: 'discovery.k8s.io', v: 'v1', r: 'endpointslices', k: 'EndpointSlice', ns: true },
  { g: 'apiextensions.k8s.io', v: 'v1', r: 'customresourcedefinitions', k: 'CustomResourceDefinition', ns: false, short: ['crd', 'crds'], sub: ['status'] },
  { g: 'metrics.k8s.io', v: 'v1beta1', r: 'nodes', k: 'NodeMetrics', ns: false, verbs: READ, virtual: true },
  { g: 'metrics.k8s.io', v: 'v1beta1', r: 'pods', k: 'PodMetrics', ns: true, verbs: READ, virtual: true },
  { g: 'authorization.k8s.io', v: 'v1', r: 'selfsubjectaccessreviews', k: 'SelfSubjectAccessReview', ns: false, verbs: ['create'], virtual: true },
  { g: 'authorization.k8s.io', v: 'v1', r: 'selfsubjectrulesreviews', k: 'SelfSubjectRulesReview', ns: false, verbs: ['create'], virtual: true },
];

function subresourceOf(row: Row, name: NonNullable<Row['sub']>[number]): Subresource {
  switch (name) {
    case 'status':
      return { name, group: row.g, version: row.v, kind: row.k, verbs: ['get', 'patch', 'update'] };
    case 'scale':
      return { name, group: 'autoscaling', version: 'v1', kind: 'Scale', verbs: ['get', 'patch', 'update'] };
    case 'eviction':
      return { name, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] };
    case 'binding':
      return { name, group: '', version: 'v1', kind: 'Binding', verbs: ['create'] };
    case 'log':
      return { name, group: '', version: 'v1', kind: 'Pod', verbs: ['get'] };
    case 'ephemeralcontainers':
      return { name, group: '', version: 'v1', kind: 'Pod', verbs: ['get', 'patch', 'update'] };
  }
}

function fromRow(row: Row): ResourceType {
  return {
    group: row.g,
    version: row.v,
    resource: row.r,
    kind: row.k,
    singular: row.k.toLowerCase(),
    namespaced: row.ns,
    verbs: row.verbs ?? CRUD,
    shortNames: row.short ?? [],
    categories: row.all ? ['all'] : [],
    subresources: (row.sub ?? []).map((s) => subresourceOf(row, s)),
    virtual: row.virtual,
  };
}

/** Every served resource type, looked up by group/version/resource and by kind. */
export class ResourceRegistry {
  private readonly byPath = new Map<string, ResourceType>();
  private listeners: Array<() => void> = [];
  /** Bumped on every change so that discovery documents can be cached. */
  generation = 0;

  constructor() {
    for (const row of BUILT_IN) this.add(fromRow(row));
  }

  static pathKey(group: string, version: string, resource: string): string {
    return `${group}/${version}/${resource}`;
  }

  add(type: ResourceType): void {
    this.byPath.set(ResourceRegistry.pathKey(type.group, type.version, type.resource), type);
    this.changed();
  }

  remove(group: string, version: string, resource: string): void {
    if (this.byPath.delete(ResourceRegistry.pathKey(group, version, resource))) this.changed();
  }

  get(group: string, version: string, resource: string): ResourceType | undefined {
    return this.byPath.get(ResourceRegistry.pathKey(group, version, resource));
  }

  /** The type whose objects carry this apiVersion and kind. */
  byKind(apiVersion: string, kind: string): ResourceType | undefined {
    for (const type of this.byPath.values()) {
      if (type.kind === kind && apiVersionOf(type.group, type.version) === apiVersion && !type.virtual) return type;
    }
    return undefined;
  }

  all(): ResourceType[] {
    return [...this.byPath.values()];
  }

  /**
   * Groups in the order a real API server lists them (by group priority, then name), each with its versions
   * and its resources sorted by name, as upstream's installer registers them. `kubectl get all` and other
   * category expansions print kinds in this order.
   */
  groups(): Map<string, Map<string, ResourceType[]>> {
    const groups = new Map<string, Map<string, ResourceType[]>>();
    const types = [...this.byPath.values()].sort(
      (a, b) => groupPriority(b.group) - groupPriority(a.group) || compare(a.group, b.group) || compare(a.resource, b.resource),
    );
    for (const type of types) {
      let versions = groups.get(type.group);
      if (!versions) groups.set(type.group, (versions = new Map()));
      let list = versions.get(type.version);
      if (!list) versions.set(type.version, (list = []));
      list.push(type);
    }
    return groups;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  private changed(): void {
    this.generation++;
    for (const listener of this.listeners) listener();
  }
}

// kube-apiserver's group priorities (the aggregator's apiVersionPriorities); CRD groups get an APIService
// groupPriorityMinimum of 1000, and metrics-server registers metrics.k8s.io with 100.
const GROUP_PRIORITY: Record<string, number> = {
  '': 18000,
  apps: 17800,
  'events.k8s.io': 17750,
  'authentication.k8s.io': 17700,
  'authorization.k8s.io': 17600,
  autoscaling: 17500,
  batch: 17400,
  'certificates.k8s.io': 17300,
  'networking.k8s.io': 17200,
  policy: 17100,
  'rbac.authorization.k8s.io': 17000,
  'storage.k8s.io': 16800,
  'admissionregistration.k8s.io': 16700,
  'apiextensions.k8s.io': 16700,
  'scheduling.k8s.io': 16600,
  'coordination.k8s.io': 16500,
  'node.k8s.io': 16300,
  'discovery.k8s.io': 16200,
  'flowcontrol.apiserver.k8s.io': 16100,
  'metrics.k8s.io': 100,
};

function groupPriority(group: string): number {
  return GROUP_PRIORITY[group] ?? 1000;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Storage identity of a resource, independent of its version. */
export function storageKeyOf(type: ResourceType): string {
  return `${type.group || 'core'}/${type.resource}`;
}
