// A sandbox running only the cluster services (disruption, garbage collection, endpoints, HPA) over its API,
// so their tests do not depend on the scheduler, the workload controllers or the kubelets: the tests play
// those parts by writing pods and their status themselves.

import type { KubeObject } from '../../src/domain/object.ts';
import { createClusterContext, type ClusterContext } from '../../src/sandbox/controllers/context.ts';
import { startClusterServices } from '../../src/sandbox/controllers/services.ts';
import { testSandbox, type TestSandbox } from './sandbox.ts';

export interface ServicesSandbox extends TestSandbox {
  ctx: ClusterContext;
}

export async function servicesSandbox(): Promise<ServicesSandbox> {
  const sandbox = await testSandbox({ apiOnly: true });
  const { service, clock, logs } = sandbox;
  const ctx: ClusterContext = createClusterContext(service, clock, { logs });
  const stop = startClusterServices(ctx);
  return {
    ...sandbox,
    ctx,
    async cleanup() {
      stop();
      await sandbox.cleanup();
    },
  };
}

export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export function ownerRef(owner: KubeObject, controller = true): object {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid, controller, blockOwnerDeletion: true };
}

/** Creates a pod and, as a kubelet would, gives it an IP and a Running status (Ready or not). */
export function runPod(ctx: ClusterContext, namespace: string, name: string, options: { labels?: Record<string, string>; owners?: object[]; ready?: boolean; ip?: string; nodeName?: string; cpu?: string; ports?: object[] } = {}): KubeObject {
  const pods = ctx.types.pods;
  ctx.service.create(pods, namespace, {
    metadata: { name, labels: options.labels ?? {}, ...(options.owners ? { ownerReferences: options.owners } : {}) },
    spec: {
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
      containers: [{ name: 'app', image: 'nginx', ...(options.cpu ? { resources: { requests: { cpu: options.cpu } } } : {}), ...(options.ports ? { ports: options.ports } : {}) }],
    },
  });
  return setReady(ctx, namespace, name, options.ready ?? true, options.ip);
}

export function setReady(ctx: ClusterContext, namespace: string, name: string, ready: boolean, ip?: string): KubeObject {
  const pods = ctx.types.pods;
  const pod = ctx.service.get(pods, namespace, name);
  const longAgo = new Date(ctx.clock.nowMs() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const status = {
    ...pod.status,
    phase: 'Running',
    podIP: ip ?? pod.status?.podIP ?? '10.244.0.1',
    startTime: pod.status?.startTime ?? longAgo,
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: longAgo }],
  };
  return ctx.service.update(pods, namespace, name, { ...pod, status }, { subresource: 'status' });
}
