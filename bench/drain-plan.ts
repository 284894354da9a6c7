// How long `kmaint node drain --plan` takes on the `large` scenario's shape (5,000 nodes in 3 zones, 1,000
// Deployments x 150 replicas in 20 namespaces, 30 pods a node), with a PodDisruptionBudget on every tenth
// Deployment: planning 1 node and 500 nodes. Goal: <= 2 s and <= 1.5 GiB RSS each.
//
//   node --import tsx bench/drain-plan.ts [nodes] [deployments] [replicas]
//
// Prints one JSON line per case. The snapshot is generated in memory; reading it from an API server is not
// timed here.

import type { KubeObject } from '../src/domain/object.ts';
import { planDrain, type ClusterSnapshot } from '../src/domain/drain/plan.ts';

export function largeSnapshot(nodeCount = 5000, deploymentCount = 1000, replicas = 150, namespaceCount = 20): ClusterSnapshot {
  const nodes: KubeObject[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const name = `node-${String(i).padStart(5, '0')}`;
    const allocatable = { cpu: '16', memory: '64Gi', pods: '110', 'ephemeral-storage': '100Gi' };
    nodes.push({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, uid: `uid-${name}`, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
      spec: {},
      status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
    });
  }
  const workloads: KubeObject[] = [];
  const pdbs: KubeObject[] = [];
  const pods: KubeObject[] = [];
  const tolerations = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ];
  let slot = 0;
  for (let d = 0; d < deploymentCount; d++) {
    const namespace = `team-${d % namespaceCount}`;
    const name = `svc-${d}`;
    const labels = { app: name };
    workloads.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, uid: `uid-dep-${d}` }, spec: { replicas, selector: { matchLabels: labels } } });
    const rsName = `${name}-5d8f7c`;
    workloads.push({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: rsName, namespace, uid: `uid-rs-${d}`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: `uid-dep-${d}`, controller: true }] },
      spec: { replicas, selector: { matchLabels: labels } },
    });
    if (d % 10 === 0) pdbs.push({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace, generation: 1 }, spec: { maxUnavailable: 1, selector: { matchLabels: labels } } });
    for (let r = 0; r < replicas; r++) {
      const podName = `${rsName}-${r.toString(36).padStart(5, '0')}`;
      pods.push({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: podName,
          namespace,
          uid: `uid-pod-${d}-${r}`,
          labels: { ...labels, 'pod-template-hash': '5d8f7c' },
          ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: `uid-rs-${d}`, controller: true, blockOwnerDeletion: true }],
        },
        spec: {
          nodeName: nodes[slot++ % nodeCount].metadata.name,
          containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: '10m', memory: '16Mi' } } }],
          tolerations,
          priority: 0,
        },
        status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
      });
    }
  }
  return { nodes, pods, workloads, pdbs };
}

function measure(snapshot: ClusterSnapshot, targets: string[]): Record<string, unknown> {
  const start = performance.now();
  const plan = planDrain(snapshot, targets, { ignoreDaemonSets: true }, new Date('2026-01-01T00:00:00Z'));
  const ms = performance.now() - start;
  return {
    targets: targets.length,
    pods: plan.pods.length,
    placed: plan.pods.filter((p) => p.replacement === 'placed').length,
    pending: plan.pending.length,
    budgets: plan.budgets.length,
    verdict: plan.verdict,
    ms: Math.round(ms),
    rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20),
  };
}

if (process.argv[1]?.endsWith('drain-plan.ts')) {
  const [nodes, deployments, replicas] = process.argv.slice(2).map(Number);
  const t0 = performance.now();
  const snapshot = largeSnapshot(nodes || undefined, deployments || undefined, replicas || undefined);
  console.log(JSON.stringify({ generated: { nodes: snapshot.nodes.length, pods: snapshot.pods.length }, ms: Math.round(performance.now() - t0), rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) }));
  const names = snapshot.nodes.map((n) => n.metadata.name as string);
  console.log(JSON.stringify(measure(snapshot, [names[0]])));
  // every tenth node: spread over the zones and the Deployments
  console.log(JSON.stringify(measure(snapshot, names.filter((_, i) => i % 10 === 0).slice(0, 500))));
  console.log(JSON.stringify(measure(snapshot, names.slice(0, 500))));
}
