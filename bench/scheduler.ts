// The scheduler's throughput at 5,000 nodes: the placement alone (src/domain/placement.ts), and the sandbox's
// scheduler end to end (placement, the one-write binding, the Scheduled event), over pods that wait in the
// store when it starts. `node --import tsx bench/scheduler.ts [nodes] [pods]`; the cluster benchmark calls
// measureSchedulerThroughput().

import { performance } from 'node:perf_hooks';
import type { KubeObject } from '../src/domain/object.ts';
import { ClusterState } from '../src/domain/placement.ts';
import { startSandbox } from '../src/sandbox/sandbox.ts';
import { builtInTypes, createClusterContext, type ClusterContext } from '../src/sandbox/controllers/context.ts';
import { startScheduler, type SchedulerStats } from '../src/sandbox/controllers/scheduler.ts';

export interface SchedulerThroughput {
  nodes: number;
  pods: number;
  /** placement alone, each pod assumed before the next (adaptive node sampling, as kube-scheduler) */
  placementPodsPerSecond: number;
  /** placement looking at every node */
  placementAllNodesPodsPerSecond: number;
  /** the sandbox scheduler: placement, binding write and Scheduled event */
  schedulerPodsPerSecond: number;
  schedulerSeconds: number;
}

function node(i: number): KubeObject {
  const name = `node-${String(i).padStart(5, '0')}`;
  const allocatable = { cpu: '16', memory: '64Gi', pods: '110', 'ephemeral-storage': '100Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'topology.kubernetes.io/zone': `zone-${i % 3}` } },
    spec: {},
    status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function pod(i: number): KubeObject {
  const app = `app-${i % 500}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `${app}-${i}`, namespace: 'default', labels: { app, 'pod-template-hash': 'abc123' } },
    spec: {
      containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.9', resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } }, ports: [{ containerPort: 8080 }] }],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
      tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
    },
  };
}

function placementRate(nodes: KubeObject[], pods: KubeObject[], nodesToScore: 'adaptive' | 'all'): number {
  const state = ClusterState.from({ nodes });
  const started = performance.now();
  for (const p of pods) if (!state.placeAndAssume(p, { nodesToScore }).fits) throw new Error('benchmark pod did not fit');
  return pods.length / ((performance.now() - started) / 1000);
}

export async function measureSchedulerThroughput(nodeCount = 5000, podCount = 20_000): Promise<SchedulerThroughput> {
  const nodes = Array.from({ length: nodeCount }, (_, i) => node(i));
  const pods = Array.from({ length: podCount }, (_, i) => pod(i));
  const placementPodsPerSecond = placementRate(nodes, pods, 'adaptive');
  const placementAllNodesPodsPerSecond = placementRate(nodes, pods.slice(0, Math.min(pods.length, 2000)), 'all');

  const sandbox = await startSandbox({ apiOnly: true });
  try {
    const types = builtInTypes(sandbox.service);
    for (const n of nodes) sandbox.service.create(types.nodes, '', n);
    for (const p of pods) sandbox.service.create(types.pods, 'default', p);
    const ctx: ClusterContext = createClusterContext(sandbox.service, sandbox.clock, { logs: sandbox.logs });
    const stats: SchedulerStats = { scheduled: 0, failedAttempts: 0 };
    const started = performance.now();
    const stop = startScheduler(ctx, stats);
    while (stats.scheduled < podCount) {
      if (stats.failedAttempts > 0) throw new Error('a benchmark pod was unschedulable');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const schedulerSeconds = (performance.now() - started) / 1000;
    stop();
    return {
      nodes: nodeCount,
      pods: podCount,
      placementPodsPerSecond: Math.round(placementPodsPerSecond),
      placementAllNodesPodsPerSecond: Math.round(placementAllNodesPodsPerSecond),
      schedulerPodsPerSecond: Math.round(podCount / schedulerSeconds),
      schedulerSeconds: Number(schedulerSeconds.toFixed(2)),
    };
  } finally {
    await sandbox.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [nodes, pods] = process.argv.slice(2).map(Number);
  measureSchedulerThroughput(nodes || undefined, pods || undefined).then((result) => console.log(JSON.stringify(result, null, 2)));
}
