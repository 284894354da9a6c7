// `kmaint node drain --plan` on the `large` scenario's shape (5,000 nodes in 3 zones, 1,000 Deployments x 150
// replicas in 20 namespaces, 30 pods a node), with a PodDisruptionBudget on every tenth Deployment: the planner
// (src/domain/drain/plan.ts) over a snapshot generated in memory, as `--plan` runs it once the snapshot is read.
// Run by bench/drain.ts, one case per process so that each case's peak RSS is its own:
//
//   node --import tsx bench/drain/plan-large.ts one|spread|first [nodes] [deployments] [replicas]
//
//   one      the first node
//   spread   500 nodes, every tenth: spread over the zones and the Deployments (each budget covers many targets)
//   first    the first 500 nodes
//
// Prints one JSON line: the snapshot's size and generation time, the plan's time and counts, the peak RSS.

import type { KubeObject } from '../../src/domain/object.ts';
import { planDrain, type ClusterSnapshot } from '../../src/domain/drain/plan.ts';

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

export const PLAN_CASES = ['one', 'spread', 'first'] as const;
export type PlanCase = (typeof PLAN_CASES)[number];

export interface PlanCaseResult {
  case: PlanCase;
  nodes: number;
  pods: number;
  generateMs: number;
  targets: number;
  plannedPods: number;
  placed: number;
  pending: number;
  budgets: number;
  verdict: string;
  planMs: number;
  /** process.resourceUsage().maxRSS, in bytes: the peak over generation and planning */
  peakRssBytes: number;
}

function targetsOf(planCase: PlanCase, names: string[]): string[] {
  if (planCase === 'one') return [names[0]];
  if (planCase === 'spread') return names.filter((_, i) => i % 10 === 0).slice(0, 500);
  return names.slice(0, 500);
}

export function runPlanCase(planCase: PlanCase, sizes: number[] = []): PlanCaseResult {
  const [nodes, deployments, replicas] = sizes;
  const t0 = performance.now();
  const snapshot = largeSnapshot(nodes || undefined, deployments || undefined, replicas || undefined);
  const generateMs = performance.now() - t0;
  const targets = targetsOf(planCase, snapshot.nodes.map((n) => n.metadata.name as string));
  const start = performance.now();
  const plan = planDrain(snapshot, targets, { ignoreDaemonSets: true }, new Date('2026-01-01T00:00:00Z'));
  const planMs = performance.now() - start;
  return {
    case: planCase,
    nodes: snapshot.nodes.length,
    pods: snapshot.pods.length,
    generateMs: Math.round(generateMs),
    targets: targets.length,
    plannedPods: plan.pods.length,
    placed: plan.pods.filter((p) => p.replacement === 'placed').length,
    pending: plan.pending.length,
    budgets: plan.budgets.length,
    verdict: plan.verdict,
    planMs: Math.round(planMs),
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

if (process.argv[1]?.endsWith('plan-large.ts')) {
  const [name, ...sizes] = process.argv.slice(2);
  if (!PLAN_CASES.includes(name as PlanCase)) {
    console.error(`usage: plan-large.ts ${PLAN_CASES.join('|')} [nodes] [deployments] [replicas]`);
    process.exit(2);
  }
  console.log(JSON.stringify(runPlanCase(name as PlanCase, sizes.map(Number))));
}
