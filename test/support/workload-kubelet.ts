// A stand-in kubelet for the workload controller tests: it plays the node agent of "plain" test nodes (nodes
// WITHOUT the sandbox.kmaint.io/simulated annotation, which the real simulated kubelets leave alone), so the
// tests pass with or without the sandbox's scheduler and kubelets. Pods still unbound after a grace moment
// are bound (to the node a DaemonSet pod's affinity names, else round-robin); pods on its nodes turn
// Running and Ready; pods with sandbox.kmaint.io/run-seconds finish (Succeeded, or Failed with
// sandbox.kmaint.io/exit-code other than 0); deleted pods go at once.

import type { KubeObject } from '../../src/domain/object.ts';
import { bindPod } from '../../src/sandbox/apiserver/subresources.ts';
import type { Sandbox } from '../../src/sandbox/sandbox.ts';

export interface TestKubelet {
  nodes: string[];
  stop(): void;
}

export function addTestNode(sandbox: Sandbox, name: string, extra: { labels?: Record<string, string>; taints?: any[]; unschedulable?: boolean } = {}): KubeObject {
  const nodes = sandbox.cluster!.types.nodes;
  const node = sandbox.service.create(nodes, '', {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', ...extra.labels } },
    spec: { ...(extra.taints ? { taints: extra.taints } : {}), ...(extra.unschedulable ? { unschedulable: true } : {}) },
  });
  const now = sandbox.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const capacity = { cpu: '64', memory: '256Gi', pods: '500', 'ephemeral-storage': '500Gi' };
  return sandbox.service.update(nodes, '', name, {
    ...node,
    status: {
      capacity,
      allocatable: capacity,
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
      addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'Hostname', address: name }],
    },
  }, { subresource: 'status' });
}

/** Runs pods of the plain test nodes; `bindAfterMs` (real) leaves the real scheduler the first go. */
export function startTestKubelet(sandbox: Sandbox, nodes: string[], options: { bindAfterMs?: number; intervalMs?: number } = {}): TestKubelet {
  const ctx = sandbox.cluster!;
  const pods = ctx.types.pods;
  const firstSeen = new Map<string, number>();
  const started = new Map<string, number>();
  let next = 0;
  const ours = new Set(nodes);
  const stamp = (): string => ctx.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const tick = (): void => {
    for (const entry of sandbox.service.list(pods, '', {}).entries) {
      const pod = JSON.parse(entry.json.toString('utf8')) as KubeObject;
      const key = `${entry.namespace}/${entry.name}/${pod.metadata.uid}`;
      try {
        const nodeName: string | undefined = pod.spec?.nodeName;
        if (!nodeName) {
          if (pod.metadata.deletionTimestamp) continue;
          const seen = firstSeen.get(key) ?? Date.now();
          firstSeen.set(key, seen);
          if (Date.now() - seen < (options.bindAfterMs ?? 300)) continue;
          const pinned = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
          const target = pinned ?? nodes[next++ % nodes.length];
          if (!ours.has(target)) continue;
          bindPod(sandbox.service, entry.namespace, entry.name, { target: { name: target } }, ctx.clock.now());
          continue;
        }
        if (!ours.has(nodeName)) continue;
        if (pod.metadata.deletionTimestamp) {
          sandbox.service.delete(pods, entry.namespace, entry.name, { gracePeriodSeconds: 0 });
          continue;
        }
        const phase = pod.status?.phase;
        if (phase === 'Succeeded' || phase === 'Failed') continue;
        if (phase !== 'Running') {
          const now = stamp();
          started.set(key, ctx.clock.nowMs());
          const conditions = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({ type, status: 'True', lastProbeTime: null, lastTransitionTime: now }));
          sandbox.service.update(pods, entry.namespace, entry.name, {
            ...pod,
            status: {
              ...pod.status,
              phase: 'Running',
              conditions,
              hostIP: '10.0.0.1',
              podIP: `10.244.0.${(next++ % 250) + 2}`,
              startTime: now,
              containerStatuses: (pod.spec?.containers ?? []).map((c: any) => ({ name: c.name, image: c.image, imageID: '', ready: true, restartCount: 0, started: true, state: { running: { startedAt: now } } })),
            },
          }, { subresource: 'status' });
          continue;
        }
        const runSeconds = Number(pod.metadata.annotations?.['sandbox.kmaint.io/run-seconds']);
        if (!Number.isFinite(runSeconds)) continue;
        const since = started.get(key) ?? Date.parse(pod.status?.startTime ?? '');
        if (ctx.clock.nowMs() - since < runSeconds * 1000) continue;
        const exitCode = Number(pod.metadata.annotations?.['sandbox.kmaint.io/exit-code'] ?? 0);
        const now = stamp();
        sandbox.service.update(pods, entry.namespace, entry.name, {
          ...pod,
          status: {
            ...pod.status,
            phase: exitCode === 0 ? 'Succeeded' : 'Failed',
            conditions: (pod.status?.conditions ?? []).map((c: any) => (c.type === 'Ready' || c.type === 'ContainersReady' ? { ...c, status: 'False', reason: 'PodCompleted', lastTransitionTime: now } : c)),
            containerStatuses: (pod.status?.containerStatuses ?? []).map((c: any) => ({ ...c, ready: false, started: false, state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', startedAt: pod.status?.startTime, finishedAt: now } } })),
          },
        }, { subresource: 'status' });
      } catch {
        // raced with the scheduler, a kubelet or a controller: look again next tick
      }
    }
  };
  const timer = setInterval(tick, options.intervalMs ?? 50);
  return { nodes, stop: () => clearInterval(timer) };
}
