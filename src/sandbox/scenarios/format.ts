// The scenario file format: a cluster to start the sandbox with, as YAML.
//
//   name: seed
//   description: one line shown by `kmaint sandbox up`
//   parameters:            # values a user may override (--param nodes=10, or a scenario's own flags);
//     nodes: 3             # written "${nodes}" anywhere below, a whole string, they are replaced by the value
//   clusterInfo: true      # write kube-public/cluster-info (the cluster's CA and server) as kubeadm init does
//   nodeDefaults: {...}    # fields every node starts from
//   nodes:                 # nodes, each run by a simulated kubelet
//     - name: k8s-master
//       roles: [control-plane]          # node-role.kubernetes.io/<role> labels
//       kubeletVersion: v1.27.0
//       labels: {...}
//       taints: [{key, value, effect}]
//       capacity: {cpu: "2", memory: 4Gi, pods: "110", ephemeral-storage: 50Gi}
//       allocatable: {...}              # default: the capacity
//       address: 192.168.31.2           # InternalIP
//       podCIDR: 20.2.235.192/26
//       zone: zone-a                    # topology.kubernetes.io/zone
//       simulated: true                 # false: no kubelet (the node never reports Ready)
//   generate:              # many nodes or workloads at once (see generators.ts)
//     - {kind: nodes, count: 5000, namePrefix: node-, zones: 3, ...node fields}
//     - {kind: deployments, count: 1000, replicas: 150, namespaces: 20, pdb: {maxUnavailable: 1}}
//   objects:               # any Kubernetes manifests, created in order (namespaces they use are created first)
//     - {apiVersion: apps/v1, kind: Deployment, ...}
//   placement:             # where pods created while the scenario loads are bound, in the order they appear,
//     - {kind: Deployment, namespace: default, name: web, nodes: [k8s-node1, k8s-master]}
//
// Placement reproduces a running cluster's layout (a transcript, or a copy of a real cluster) exactly; pods not
// named there, and every pod created afterwards (replacements after a drain), go through the scheduler.

import { parse } from 'yaml';

export interface NodeSpec {
  name: string;
  roles?: string[];
  kubeletVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  taints?: Array<{ key: string; value?: string; effect: string }>;
  capacity?: Record<string, string>;
  allocatable?: Record<string, string>;
  address?: string;
  podCIDR?: string;
  zone?: string;
  simulated?: boolean;
  osImage?: string;
  kernelVersion?: string;
  containerRuntimeVersion?: string;
}

export type NodeDefaults = Omit<NodeSpec, 'name'>;

export interface NodeGenerator extends NodeDefaults {
  kind: 'nodes';
  count: number;
  namePrefix?: string;
  /** spread the nodes over this many zones (zone-a, zone-b, ...) */
  zones?: number;
  /** first address of the node network; each node takes the next one */
  firstAddress?: string;
}

export interface DeploymentGenerator {
  kind: 'deployments';
  count: number;
  replicas: number;
  /** spread over this many namespaces (named namespacePrefix-N); default 1 */
  namespaces?: number;
  namespacePrefix?: string;
  /** one namespace of this name instead */
  namespace?: string;
  namePrefix?: string;
  image?: string;
  requests?: Record<string, string>;
  /** a PodDisruptionBudget per Deployment */
  pdb?: { minAvailable?: number | string; maxUnavailable?: number | string };
}

export type Generator = NodeGenerator | DeploymentGenerator;

export interface Placement {
  kind: string;
  namespace?: string;
  name: string;
  nodes: string[];
}

export interface Scenario {
  name: string;
  description?: string;
  parameters?: Record<string, number | string>;
  clusterInfo?: boolean;
  nodeDefaults?: NodeDefaults;
  nodes?: NodeSpec[];
  generate?: Generator[];
  objects?: Array<Record<string, any>>;
  placement?: Placement[];
}

export class ScenarioError extends Error {}

const TOP_LEVEL = new Set(['name', 'description', 'parameters', 'clusterInfo', 'nodeDefaults', 'nodes', 'generate', 'objects', 'placement']);

/** Replaces "${param}" strings by the parameter's value (a number stays a number). */
function substitute(value: unknown, params: Record<string, number | string>, where: string): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{([A-Za-z][\w-]*)\}$/.exec(value);
    if (whole) {
      if (!(whole[1] in params)) throw new ScenarioError(`${where}: unknown parameter "${whole[1]}"`);
      return params[whole[1]];
    }
    return value.replace(/\$\{([A-Za-z][\w-]*)\}/g, (_, name: string) => {
      if (!(name in params)) throw new ScenarioError(`${where}: unknown parameter "${name}"`);
      return String(params[name]);
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, params, where));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, params, where)]));
  }
  return value;
}

function isObject(value: unknown): value is Record<string, any> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function positiveInteger(value: unknown, where: string, allowZero = false): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new ScenarioError(`${where} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** Parses and checks a scenario; `overrides` replace declared parameters (numbers where the default is one). */
export function parseScenario(text: string, source: string, overrides: Record<string, string> = {}): Scenario {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new ScenarioError(`${source}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  if (!isObject(raw)) throw new ScenarioError(`${source}: a scenario is a YAML mapping with name, nodes and objects`);
  for (const key of Object.keys(raw)) {
    if (!TOP_LEVEL.has(key)) throw new ScenarioError(`${source}: unknown field "${key}" (known: ${[...TOP_LEVEL].join(', ')})`);
  }
  const declared = (isObject(raw.parameters) ? raw.parameters : {}) as Record<string, number | string>;
  const params: Record<string, number | string> = { ...declared };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in declared)) {
      const known = Object.keys(declared);
      throw new ScenarioError(`${source}: no parameter "${key}"${known.length ? ` (parameters: ${known.join(', ')})` : ' (it declares none)'}`);
    }
    if (typeof declared[key] === 'number') {
      const number = Number(value);
      if (value.trim() === '' || !Number.isFinite(number)) throw new ScenarioError(`${source}: parameter "${key}" must be a number, got "${value}"`);
      params[key] = number;
    } else {
      params[key] = value;
    }
  }
  const { parameters: _parameters, ...rest } = raw;
  const scenario = { ...(substitute(rest, params, source) as Record<string, any>), parameters: params } as Scenario;
  checkScenario(scenario, source);
  return scenario;
}

function checkScenario(scenario: Scenario, source: string): void {
  if (typeof scenario.name !== 'string' || !scenario.name) throw new ScenarioError(`${source}: "name" is required`);
  const names = new Set<string>();
  for (const [i, node] of (scenario.nodes ?? []).entries()) {
    if (!isObject(node) || typeof node.name !== 'string' || !node.name) throw new ScenarioError(`${source}: nodes[${i}] needs a name`);
    if (names.has(node.name)) throw new ScenarioError(`${source}: node "${node.name}" is listed twice`);
    names.add(node.name);
  }
  for (const [i, generator] of (scenario.generate ?? []).entries()) {
    const where = `${source}: generate[${i}]`;
    if (!isObject(generator)) throw new ScenarioError(`${where} must be a mapping`);
    if (generator.kind === 'nodes') {
      positiveInteger(generator.count, `${where}.count`, true);
      if (generator.zones !== undefined) positiveInteger(generator.zones, `${where}.zones`);
    } else if (generator.kind === 'deployments') {
      positiveInteger(generator.count, `${where}.count`, true);
      positiveInteger(generator.replicas, `${where}.replicas`, true);
      if (generator.namespaces !== undefined) positiveInteger(generator.namespaces, `${where}.namespaces`);
    } else {
      throw new ScenarioError(`${where}: kind must be "nodes" or "deployments"`);
    }
  }
  for (const [i, object] of (scenario.objects ?? []).entries()) {
    if (!isObject(object) || typeof object.apiVersion !== 'string' || typeof object.kind !== 'string' || !isObject(object.metadata) || !object.metadata.name) {
      throw new ScenarioError(`${source}: objects[${i}] must be a manifest with apiVersion, kind and metadata.name`);
    }
  }
  for (const [i, placement] of (scenario.placement ?? []).entries()) {
    if (!isObject(placement) || typeof placement.kind !== 'string' || typeof placement.name !== 'string' || !Array.isArray(placement.nodes)) {
      throw new ScenarioError(`${source}: placement[${i}] needs kind, name and nodes`);
    }
    for (const node of placement.nodes) {
      if (!names.has(node)) throw new ScenarioError(`${source}: placement[${i}] names node "${node}", which the scenario does not list under nodes`);
    }
  }
}
