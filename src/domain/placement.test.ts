import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from './object.ts';
import {
  ClusterState,
  REASONS,
  compileNode,
  compilePod,
  feasibleNodesToFind,
  filterInterPodAffinity,
  filterNodeAffinity,
  filterNodeName,
  filterNodePorts,
  filterNodeResourcesFit,
  filterNodeUnschedulable,
  filterPodTopologySpread,
  filterTaintToleration,
  leastAllocatedScore,
  placeAll,
  placePod,
  asPending,
  toleratesTaint,
  type PlacementResult,
} from './placement.ts';

interface NodeOptions {
  cpu?: string;
  memory?: string;
  pods?: string;
  labels?: Record<string, string>;
  taints?: object[];
  unschedulable?: boolean;
  extra?: Record<string, string>;
}

function node(name: string, options: NodeOptions = {}): KubeObject {
  const allocatable = { cpu: options.cpu ?? '4', memory: options.memory ?? '8Gi', pods: options.pods ?? '110', 'ephemeral-storage': '100Gi', ...options.extra };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...options.labels } },
    spec: { ...(options.unschedulable ? { unschedulable: true } : {}), ...(options.taints ? { taints: options.taints } : {}) },
    status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

interface PodOptions {
  cpu?: string;
  memory?: string;
  labels?: Record<string, string>;
  nodeName?: string;
  namespace?: string;
  spec?: object;
  hostPort?: number;
  terminating?: boolean;
}

function pod(name: string, options: PodOptions = {}): KubeObject {
  const requests: Record<string, string> = {};
  if (options.cpu) requests.cpu = options.cpu;
  if (options.memory) requests.memory = options.memory;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: options.namespace ?? 'default',
      labels: options.labels ?? {},
      ...(options.terminating ? { deletionTimestamp: '2024-01-01T00:00:00Z' } : {}),
    },
    spec: {
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
      containers: [{ name: 'c', image: 'nginx', resources: { requests }, ...(options.hostPort ? { ports: [{ containerPort: 80, hostPort: options.hostPort, protocol: 'TCP' }] } : {}) }],
      ...options.spec,
    },
  };
}

const NO_CYCLE = {};

function fits(result: PlacementResult): string {
  assert.ok(result.fits, result.fits ? '' : result.message);
  return result.nodeName;
}

function message(result: PlacementResult): string {
  assert.ok(!result.fits, 'expected the pod not to fit');
  return result.message;
}

describe('filters', () => {
  it('nodeName', () => {
    const n = compileNode(node('a'));
    assert.equal(filterNodeName(compilePod(pod('p', { spec: { nodeName: 'a' } })), n, NO_CYCLE), undefined);
    assert.deepEqual(filterNodeName(compilePod(pod('p', { spec: { nodeName: 'b' } })), n, NO_CYCLE)?.reasons, [REASONS.nodeName]);
  });

  it('unschedulable, unless the pod tolerates node.kubernetes.io/unschedulable', () => {
    const n = compileNode(node('a', { unschedulable: true }));
    const failed = filterNodeUnschedulable(compilePod(pod('p')), n, NO_CYCLE);
    assert.deepEqual(failed?.reasons, ['node(s) were unschedulable']);
    assert.equal(failed?.unresolvable, true);
    const tolerant = pod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] } });
    assert.equal(filterNodeUnschedulable(compilePod(tolerant), n, NO_CYCLE), undefined);
    const everything = pod('p', { spec: { tolerations: [{ operator: 'Exists' }] } });
    assert.equal(filterNodeUnschedulable(compilePod(everything), n, NO_CYCLE), undefined);
  });

  it('taints: NoSchedule and NoExecute filter, PreferNoSchedule does not', () => {
    const n = compileNode(node('a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'soft', effect: 'PreferNoSchedule' }] }));
    assert.deepEqual(filterTaintToleration(compilePod(pod('p')), n, NO_CYCLE)?.reasons, ['node(s) had untolerated taint {dedicated: gpu}']);
    const equal = pod('p', { spec: { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }] } });
    assert.equal(filterTaintToleration(compilePod(equal), n, NO_CYCLE), undefined);
    const wrongValue = pod('p', { spec: { tolerations: [{ key: 'dedicated', value: 'cpu' }] } });
    assert.ok(filterTaintToleration(compilePod(wrongValue), n, NO_CYCLE));

    const noExecute = compileNode(node('b', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] }));
    assert.deepEqual(filterTaintToleration(compilePod(pod('p')), noExecute, NO_CYCLE)?.reasons, ['node(s) had untolerated taint {node.kubernetes.io/unreachable: }']);
    const tolerates = pod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }] } });
    assert.equal(filterTaintToleration(compilePod(tolerates), noExecute, NO_CYCLE), undefined);
    // a toleration for another effect does not help
    const wrongEffect = pod('p', { spec: { tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }] } });
    assert.ok(filterTaintToleration(compilePod(wrongEffect), noExecute, NO_CYCLE));
  });

  it('toleratesTaint follows upstream matching', () => {
    const taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
    assert.equal(toleratesTaint({ operator: 'Exists' }, taint), true);
    assert.equal(toleratesTaint({ key: 'k', operator: 'Exists' }, taint), true);
    assert.equal(toleratesTaint({ key: 'k', value: 'v' }, taint), true);
    assert.equal(toleratesTaint({ key: 'k', value: 'w' }, taint), false);
    assert.equal(toleratesTaint({ key: 'k', operator: 'Exists', effect: 'NoExecute' }, taint), false);
  });

  it('nodeSelector and required node affinity', () => {
    const n = compileNode(node('a', { labels: { zone: 'z1', disk: 'ssd', cores: '16' } }));
    const check = (spec: object) => filterNodeAffinity(compilePod(pod('p', { spec })), n, NO_CYCLE)?.reasons[0];
    const affinity = (...expressions: object[]) => ({
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: expressions }] } } },
    });
    assert.equal(check({ nodeSelector: { disk: 'ssd' } }), undefined);
    assert.equal(check({ nodeSelector: { disk: 'hdd' } }), REASONS.nodeAffinity);
    assert.equal(check(affinity({ key: 'zone', operator: 'In', values: ['z1', 'z2'] })), undefined);
    assert.equal(check(affinity({ key: 'zone', operator: 'NotIn', values: ['z1'] })), REASONS.nodeAffinity);
    assert.equal(check(affinity({ key: 'gpu', operator: 'NotIn', values: ['x'] })), undefined);
    assert.equal(check(affinity({ key: 'disk', operator: 'Exists' })), undefined);
    assert.equal(check(affinity({ key: 'gpu', operator: 'DoesNotExist' })), undefined);
    assert.equal(check(affinity({ key: 'disk', operator: 'DoesNotExist' })), REASONS.nodeAffinity);
    assert.equal(check(affinity({ key: 'cores', operator: 'Gt', values: ['8'] })), undefined);
    assert.equal(check(affinity({ key: 'cores', operator: 'Lt', values: ['8'] })), REASONS.nodeAffinity);
    assert.equal(check(affinity({ key: 'zone', operator: 'Gt', values: ['1'] })), REASONS.nodeAffinity);
    // terms are ORed, expressions ANDed; an empty term matches nothing
    const terms = (...nodeSelectorTerms: object[]) => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } } } });
    assert.equal(check(terms({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z9'] }] }, { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] })), undefined);
    assert.equal(check(terms({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1'] }, { key: 'disk', operator: 'In', values: ['hdd'] }] })), REASONS.nodeAffinity);
    assert.equal(check(terms({})), REASONS.nodeAffinity);
    // matchFields on metadata.name, as DaemonSet pods use
    assert.equal(check(terms({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['a'] }] })), undefined);
    assert.equal(check(terms({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['b'] }] })), REASONS.nodeAffinity);
    // both nodeSelector and affinity must hold
    assert.equal(check({ nodeSelector: { disk: 'hdd' }, ...affinity({ key: 'zone', operator: 'In', values: ['z1'] }) }), REASONS.nodeAffinity);
  });

  it('resources against allocatable, including pod count and extended resources', () => {
    const state = ClusterState.from({ nodes: [node('a', { cpu: '2', memory: '4Gi', pods: '3', extra: { 'example.com/dongle': '1' } })], pods: [pod('x', { nodeName: 'a', cpu: '1500m', memory: '1Gi' })] });
    const n = state.node('a')!;
    const check = (p: KubeObject) => filterNodeResourcesFit(compilePod(p), n, NO_CYCLE);
    assert.equal(check(pod('p', { cpu: '0.5', memory: '3Gi' })), undefined);
    assert.deepEqual(check(pod('p', { cpu: '501m' }))?.reasons, ['Insufficient cpu']);
    assert.deepEqual(check(pod('p', { cpu: '1', memory: '4Gi' }))?.reasons, ['Insufficient cpu', 'Insufficient memory']);
    assert.equal(check(pod('p', { cpu: '1' }))?.unresolvable, false);
    assert.equal(check(pod('p', { cpu: '3' }))?.unresolvable, true, 'more than the node has at all');
    const dongles = (n: string) => pod('p', { spec: { containers: [{ name: 'c', resources: { requests: { 'example.com/dongle': n }, limits: { 'example.com/dongle': n } } }] } });
    assert.equal(check(dongles('1')), undefined);
    assert.deepEqual(check(dongles('2'))?.reasons, ['Insufficient example.com/dongle']);
    const gpus = pod('p', { spec: { containers: [{ name: 'c', resources: { limits: { 'nvidia.com/gpu': '1' } } }] } });
    assert.deepEqual(check(gpus)?.reasons, ['Insufficient nvidia.com/gpu']);
    const storage = pod('p', { spec: { containers: [{ name: 'c', resources: { requests: { 'ephemeral-storage': '200Gi' } } }] } });
    assert.deepEqual(check(storage)?.reasons, ['Insufficient ephemeral-storage']);
    state.addPod(pod('y', { nodeName: 'a' }));
    state.addPod(pod('z', { nodeName: 'a' }));
    assert.deepEqual(check(pod('p'))?.reasons, ['Too many pods']);
  });

  it('counts init containers and sidecars', () => {
    const n = compileNode(node('a', { cpu: '2' }));
    const init = pod('p', { cpu: '100m', spec: { initContainers: [{ name: 'i', resources: { requests: { cpu: '2500m' } } }] } });
    assert.deepEqual(filterNodeResourcesFit(compilePod(init), n, NO_CYCLE)?.reasons, ['Insufficient cpu']);
    const sidecar = pod('p', { cpu: '1500m', spec: { initContainers: [{ name: 's', restartPolicy: 'Always', resources: { requests: { cpu: '600m' } } }] } });
    assert.deepEqual(filterNodeResourcesFit(compilePod(sidecar), n, NO_CYCLE)?.reasons, ['Insufficient cpu']);
  });

  it('host ports', () => {
    const state = ClusterState.from({ nodes: [node('a')], pods: [pod('x', { nodeName: 'a', hostPort: 8080 })] });
    const n = state.node('a')!;
    assert.deepEqual(filterNodePorts(compilePod(pod('p', { hostPort: 8080 })), n, NO_CYCLE)?.reasons, [REASONS.hostPorts]);
    assert.equal(filterNodePorts(compilePod(pod('p', { hostPort: 8081 })), n, NO_CYCLE), undefined);
    const udp = pod('p', { spec: { containers: [{ name: 'c', ports: [{ containerPort: 53, hostPort: 8080, protocol: 'UDP' }] }] } });
    assert.equal(filterNodePorts(compilePod(udp), n, NO_CYCLE), undefined);
    state.removePod('default', 'x');
    assert.equal(filterNodePorts(compilePod(pod('p', { hostPort: 8080 })), n, NO_CYCLE), undefined);
  });
});

function antiAffinity(topologyKey: string, matchLabels: Record<string, string>): object {
  return { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey, labelSelector: { matchLabels } }] } } };
}

function podAffinity(topologyKey: string, matchLabels: Record<string, string>): object {
  return { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey, labelSelector: { matchLabels } }] } } };
}

describe('inter-pod affinity', () => {
  const zones = () => [
    node('a1', { labels: { 'topology.kubernetes.io/zone': 'za' } }),
    node('a2', { labels: { 'topology.kubernetes.io/zone': 'za' } }),
    node('b1', { labels: { 'topology.kubernetes.io/zone': 'zb' } }),
  ];

  it('anti-affinity on hostname keeps replicas apart', () => {
    const replicas = [1, 2, 3, 4].map((i) => pod(`web-${i}`, { labels: { app: 'web' }, spec: antiAffinity('kubernetes.io/hostname', { app: 'web' }) }));
    const results = placeAll(replicas, { nodes: zones() });
    assert.deepEqual(results.slice(0, 3).map(fits).sort(), ['a1', 'a2', 'b1']);
    assert.equal(
      message(results[3]),
      "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
  });

  it('anti-affinity on zone', () => {
    const state = ClusterState.from({ nodes: zones(), pods: [pod('db-0', { nodeName: 'a1', labels: { app: 'db' } })] });
    const result = state.place(pod('db-1', { labels: { app: 'db' }, spec: antiAffinity('topology.kubernetes.io/zone', { app: 'db' }) }));
    assert.equal(fits(result), 'b1');
    assert.deepEqual(Object.keys(result.fits ? {} : result.reasons), []);
  });

  it("existing pods' anti-affinity rejects the incoming pod (symmetry)", () => {
    const state = ClusterState.from({
      nodes: zones(),
      pods: [pod('loner', { nodeName: 'a1', labels: { app: 'loner' }, spec: { nodeName: 'a1', ...antiAffinity('topology.kubernetes.io/zone', { app: 'noisy' }) } })],
    });
    const p = compilePod(pod('noisy-1', { labels: { app: 'noisy' } }));
    const cycle = state.prepare(p);
    assert.deepEqual(filterInterPodAffinity(p, state.node('a2')!, cycle)?.reasons, [REASONS.existingAntiAffinity]);
    assert.equal(filterInterPodAffinity(p, state.node('b1')!, cycle), undefined);
    assert.equal(fits(state.place(p)), 'b1');
    // other namespaces are not affected by a term without namespaces
    assert.equal(fits(state.place(pod('noisy-2', { namespace: 'other', labels: { app: 'noisy' } }))), 'a2');
  });

  it('affinity places next to matching pods, and lets the first of a self-affine group go anywhere', () => {
    const state = ClusterState.from({ nodes: zones(), pods: [pod('cache', { nodeName: 'b1', labels: { app: 'cache' } })] });
    assert.equal(fits(state.place(pod('web', { spec: podAffinity('topology.kubernetes.io/zone', { app: 'cache' }) }))), 'b1');
    const r = state.place(pod('web', { spec: podAffinity('topology.kubernetes.io/zone', { app: 'nothing' }) }));
    assert.match(message(r), /3 node\(s\) didn't match pod affinity rules\. preemption: 0\/3 nodes are available: 3 Preemption is not helpful for scheduling\.$/);
    const group = [1, 2].map((i) => pod(`g-${i}`, { labels: { group: 'g' }, spec: podAffinity('topology.kubernetes.io/zone', { group: 'g' }) }));
    const [first, second] = placeAll(group, state);
    const zone = (name: string) => state.node(name)!.labels['topology.kubernetes.io/zone'];
    assert.equal(zone(fits(first)), zone(fits(second)));
  });
});

describe('topology spread', () => {
  const spread = (maxSkew: number, topologyKey: string, extra: object = {}) => ({
    topologySpreadConstraints: [{ maxSkew, topologyKey, whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, ...extra }],
  });

  it('keeps the skew within maxSkew across zones', () => {
    const nodes = [
      node('a1', { labels: { zone: 'a' } }),
      node('a2', { labels: { zone: 'a' } }),
      node('b1', { labels: { zone: 'b' } }),
    ];
    const existing = [pod('w1', { nodeName: 'a1', labels: { app: 'web' } }), pod('w2', { nodeName: 'a2', labels: { app: 'web' } })];
    const state = ClusterState.from({ nodes, pods: existing });
    const p = compilePod(pod('w3', { labels: { app: 'web' }, spec: spread(1, 'zone') }));
    const cycle = state.prepare(p);
    assert.deepEqual(filterPodTopologySpread(p, state.node('a1')!, cycle)?.reasons, [REASONS.spread]);
    assert.equal(filterPodTopologySpread(p, state.node('b1')!, cycle), undefined);
    const results = placeAll([1, 2, 3, 4].map((i) => pod(`n${i}`, { labels: { app: 'web' }, spec: spread(1, 'zone') })), state);
    // zone b catches up (2-2), then they alternate
    const zones = results.map((r) => state.node(fits(r))!.labels.zone);
    assert.deepEqual(zones.slice(0, 2), ['b', 'b']);
    assert.notEqual(zones[2], zones[3]);
  });

  it('does not count terminating pods, nor nodes the pod cannot go to', () => {
    const nodes = [node('a', { labels: { zone: 'a' } }), node('b', { labels: { zone: 'b' } }), node('c', { labels: { zone: 'c', pool: 'other' } })];
    const state = ClusterState.from({
      nodes,
      pods: [pod('w1', { nodeName: 'a', labels: { app: 'web' } }), pod('old', { nodeName: 'b', labels: { app: 'web' }, terminating: true })],
    });
    const p = pod('w2', { labels: { app: 'web' }, spec: { ...spread(1, 'zone'), affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'pool', operator: 'DoesNotExist' }] }] } } } } });
    assert.equal(fits(state.place(p)), 'b');
  });

  it('fails nodes without the topology key, and honours minDomains', () => {
    const state = ClusterState.from({ nodes: [node('a', { labels: { zone: 'a' } }), node('x')], pods: [pod('w1', { nodeName: 'a', labels: { app: 'web' } })] });
    const r = state.place(pod('w2', { labels: { app: 'web' }, spec: spread(1, 'zone', { minDomains: 2 }) }));
    assert.equal(
      message(r),
      "0/2 nodes are available: 1 node(s) didn't match pod topology spread constraints, 1 node(s) didn't match pod topology spread constraints (missing required label). " +
        'preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.',
    );
    // without minDomains the single domain has skew 0 against itself
    assert.equal(fits(state.place(pod('w2', { labels: { app: 'web' }, spec: spread(1, 'zone') }))), 'a');
  });

  it('ignores ScheduleAnyway constraints when filtering', () => {
    const state = ClusterState.from({ nodes: [node('a', { labels: { zone: 'a' } })], pods: [pod('w1', { nodeName: 'a', labels: { app: 'web' } })] });
    assert.equal(fits(state.place(pod('w2', { labels: { app: 'web' }, spec: spread(1, 'missing', { whenUnsatisfiable: 'ScheduleAnyway' }) }))), 'a');
  });
});

describe('scoring', () => {
  it('prefers the least allocated node, ties broken by name', () => {
    const state = ClusterState.from({ nodes: [node('b'), node('a'), node('c')], pods: [pod('x', { nodeName: 'a', cpu: '2', memory: '4Gi' })] });
    assert.equal(fits(state.place(pod('p', { cpu: '100m', memory: '128Mi' }))), 'b');
    const least = compilePod(pod('p', { cpu: '1', memory: '2Gi' }));
    assert.equal(leastAllocatedScore(least, state.node('b')!), 75);
    assert.equal(leastAllocatedScore(least, state.node('a')!), 25);
  });

  it('spreads a series of pods evenly', () => {
    const results = placeAll([1, 2, 3, 4, 5, 6].map((i) => pod(`p${i}`, { cpu: '500m', memory: '512Mi' })), { nodes: [node('n1'), node('n2'), node('n3')] });
    const counts: Record<string, number> = {};
    for (const r of results) counts[fits(r)] = (counts[fits(r)] ?? 0) + 1;
    assert.deepEqual(counts, { n1: 2, n2: 2, n3: 2 });
  });

  it('avoids PreferNoSchedule taints and prefers preferred node affinity', () => {
    const nodes = [node('a', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }), node('b')];
    assert.equal(fits(placePod(pod('p'), { nodes })), 'b');
    assert.equal(fits(placePod(pod('p', { spec: { tolerations: [{ key: 'soft', operator: 'Exists' }] } }), { nodes })), 'a');
    const preferred = pod('p', { spec: { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['fast'] }] } }] } } } });
    assert.equal(fits(placePod(preferred, { nodes: [node('a'), node('b', { labels: { tier: 'fast' } })] })), 'b');
  });
});

describe('failure messages', () => {
  it('counts reasons per node, sorted, with the preemption verdict', () => {
    const nodes = [node('n1', { unschedulable: true }), node('n2', { cpu: '1' }), node('n3', { cpu: '1' })];
    assert.equal(
      message(placePod(pod('p', { cpu: '2' }), { nodes })),
      '0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
    );
    const busy = { nodes, pods: [pod('x', { nodeName: 'n2', cpu: '800m' }), pod('y', { nodeName: 'n3', cpu: '800m' })] };
    assert.equal(
      message(placePod(pod('p', { cpu: '500m' }), busy)),
      '0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.',
    );
  });

  it('reports every insufficient resource, taints with their values, and no nodes at all', () => {
    const nodes = [node('n1', { cpu: '1', memory: '1Gi' }), node('n2', { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] })];
    assert.equal(
      message(placePod(pod('p', { cpu: '2', memory: '2Gi' }), { nodes })),
      '0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory, 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }. ' +
        'preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    );
    assert.equal(message(placePod(pod('p'), { nodes: [] })), 'no nodes available to schedule pods');
    const never = pod('p', { cpu: '8', spec: { preemptionPolicy: 'Never' } });
    assert.equal(message(placePod(never, { nodes: [node('n1')] })), '0/1 nodes are available: 1 Insufficient cpu. not eligible due to preemptionPolicy=Never.');
  });

  it('lists the reasons per node', () => {
    const r = placePod(pod('p', { spec: { nodeSelector: { disk: 'ssd' } } }), { nodes: [node('n1'), node('n2', { unschedulable: true })] });
    assert.ok(!r.fits);
    assert.deepEqual(r.reasons, { n1: [REASONS.nodeAffinity], n2: [REASONS.unschedulable] });
  });
});

describe('ClusterState', () => {
  it('frees resources when pods go and accounts pods whose node arrives later', () => {
    const state = ClusterState.from({ nodes: [node('a', { cpu: '1' })] });
    state.addPod(pod('early', { nodeName: 'b', cpu: '1' }));
    assert.equal(state.nodeCount, 1);
    state.setNode(node('b', { cpu: '1' }));
    assert.equal(state.node('b')!.requested.cpu, 1000);
    state.addPod(pod('x', { nodeName: 'a', cpu: '1' }));
    assert.equal(message(state.place(pod('p', { cpu: '1' }))).startsWith('0/2 nodes are available: 2 Insufficient cpu.'), true);
    state.removePod('default', 'x');
    assert.equal(fits(state.place(pod('p', { cpu: '1' }))), 'a');
    state.setNode(node('a', { cpu: '1', unschedulable: true }));
    assert.equal(state.place(pod('p', { cpu: '1' })).fits, false);
  });

  it('placeAll on plain objects leaves them alone, and sees earlier placements', () => {
    const input = { nodes: [node('a', { cpu: '1' }), node('b', { cpu: '1' })], pods: [] };
    const results = placeAll([pod('p1', { cpu: '1' }), pod('p2', { cpu: '1' }), pod('p3', { cpu: '1' })], input);
    assert.deepEqual(results.slice(0, 2).map(fits), ['a', 'b']);
    assert.equal(results[2].fits, false);
  });

  it('adaptive search looks at fewer nodes in large clusters', () => {
    assert.equal(feasibleNodesToFind(50), 50);
    assert.equal(feasibleNodesToFind(500), 230);
    assert.equal(feasibleNodesToFind(5000), 500);
    assert.equal(feasibleNodesToFind(100_000), 5000);
    const nodes = Array.from({ length: 1000 }, (_, i) => node(`n${String(i).padStart(4, '0')}`));
    const state = ClusterState.from({ nodes });
    const r = state.place(pod('p'), { nodesToScore: 'adaptive' });
    assert.ok(r.fits && r.evaluatedNodes === 420);
  });
});

describe('pods that only the common filters can reject', () => {
  it('land where the filters let them, node by node: cordoned, tainted, full and short nodes are skipped', () => {
    const nodes = [
      node('a-cordoned', { unschedulable: true }),
      node('b-tainted', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] }),
      node('c-full', { pods: '1' }),
      node('d-short', { cpu: '1' }),
      node('e-no-gpu', { cpu: '8' }),
      node('f-gpu', { extra: { 'nvidia.com/gpu': '1' } }),
      node('g-free'),
    ];
    const state = ClusterState.from({ nodes, pods: [pod('x', { nodeName: 'c-full' }), pod('y', { nodeName: 'd-short', cpu: '900m' })] });
    const candidates = [
      pod('plain', { cpu: '200m', memory: '1Gi' }),
      pod('nothing'),
      pod('tolerant', { cpu: '200m', spec: { tolerations: [{ operator: 'Exists' }] } }),
      pod('gpu', { cpu: '200m', spec: { containers: [{ name: 'c', image: 'cuda', resources: { requests: { cpu: '200m' }, limits: { 'nvidia.com/gpu': '1' } } }] } }),
    ];
    for (const candidate of candidates) {
      const info = compilePod(candidate);
      const allowed = state.allNodes().filter((n) => [filterNodeUnschedulable, filterTaintToleration, filterNodeResourcesFit].every((f) => !f(info, n, NO_CYCLE)));
      const result = state.place(candidate);
      assert.ok(result.fits && allowed.some((n) => n.name === result.nodeName), `${candidate.metadata.name} went to ${result.fits ? result.nodeName : 'nowhere'}`);
      assert.equal(result.fits && result.feasibleNodes, allowed.length, candidate.metadata.name);
    }
    const tooBig = message(state.place(pod('big', { cpu: '12' })));
    assert.match(tooBig, /^0\/7 nodes are available: 1 Too many pods, 1 node\(s\) had untolerated taint \{dedicated: db\}, 1 node\(s\) were unschedulable, 5 Insufficient cpu\./);
  });

  it('are placed over the node table exactly as the general path places them, node after node', () => {
    // a preferred node affinity term that matches no node sends a pod down the general path without changing
    // its scores: both states must make the same choices, with the same scores, in both search modes (with 150
    // nodes the adaptive search looks at 100 of them, starting where the previous search stopped), whether a
    // pod's shape is placed by a scan or through its tree
    let seed = 7;
    const random = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 8) % n;
    const nodes = Array.from({ length: 150 }, (_, i) =>
      node(`n${String(i).padStart(2, '0')}`, {
        // one size: the node a pod leaves often becomes the best one
        cpu: '2',
        memory: '4Gi',
        pods: '2',
        unschedulable: random(8) === 0,
        taints: random(8) === 0 ? [{ key: 'dedicated', value: random(2) ? 'db' : 'web', effect: 'NoSchedule' }] : undefined,
      }),
    );
    const existing = Array.from({ length: 60 }, (_, i) => pod(`e${i}`, { nodeName: nodes[random(150)].metadata.name, cpu: `${random(900)}m`, memory: `${random(900)}Mi` }));
    const neverMatching = { affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'nowhere', operator: 'Exists' }] } }] } } };
    for (const nodesToScore of ['all', 'adaptive'] as const) {
      const table = ClusterState.from({ nodes, pods: existing });
      const general = ClusterState.from({ nodes, pods: existing });
      let placed = 0;
      for (let i = 0; i < 300; i++) {
        // mostly a few shapes, which are then placed through their trees, and now and then one of its own
        const size = random(4) ? 1 + random(3) : 10 + random(990);
        const shape: PodOptions = { cpu: random(4) ? `${size * 100}m` : undefined, memory: random(4) ? `${size * 200}Mi` : undefined };
        const tolerates = random(3) === 0 ? { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] } : {};
        const onTable = table.placeAndAssume(pod(`p${i}`, { ...shape, spec: tolerates }), { nodesToScore });
        const onGeneral = general.placeAndAssume(pod(`p${i}`, { ...shape, spec: { ...tolerates, ...neverMatching } }), { nodesToScore });
        assert.deepEqual(onTable, onGeneral, `${nodesToScore}: pod p${i}`);
        if (onTable.fits) placed++;
        if (i % 10 === 9) {
          // pods leave and a node is cordoned: the table follows both
          for (const leaving of [`e${i % 60}`, `p${i - 5}`]) {
            table.removePod('default', leaving);
            general.removePod('default', leaving);
          }
          const cordoned = node(nodes[(i * 7) % 150].metadata.name!, { unschedulable: true, cpu: '2', memory: '4Gi', pods: '2' });
          table.setNode(cordoned);
          general.setNode(cordoned);
        }
      }
      assert.ok(placed > 200 && placed < 300, `${nodesToScore}: ${placed} of 300 placed; the cluster should fill up, but not at once`);
    }
  });
});

describe('planning a drain', () => {
  it('moves the pods of a cordoned node, each seeing the ones moved before it', () => {
    const nodes = [node('a', { cpu: '2' }), node('b', { cpu: '2' }), node('c', { cpu: '1' })];
    const onA = [pod('x', { nodeName: 'a', cpu: '1' }), pod('y', { nodeName: 'a', cpu: '1' }), pod('z', { nodeName: 'a', cpu: '1' })];
    const state = ClusterState.from({ nodes, pods: [...onA, pod('w', { nodeName: 'b', cpu: '500m' })] });
    state.setNode(node('a', { cpu: '2', unschedulable: true }));
    for (const p of onA) state.removePod('default', p.metadata.name!);
    const results = placeAll(onA.map(asPending), state);
    assert.deepEqual(results.map((r) => (r.fits ? r.nodeName : 'none')), ['b', 'c', 'none']);
    assert.match(message(results[2]), /^0\/3 nodes are available: 1 node\(s\) were unschedulable, 2 Insufficient cpu\./);
    // without asPending a bound pod asks for its own node
    assert.deepEqual(placePod(onA[0], state).fits ? [] : (placePod(onA[0], state) as { reasons: object }).reasons, {
      a: [REASONS.unschedulable],
      b: [REASONS.nodeName],
      c: [REASONS.nodeName],
    });
  });
});
