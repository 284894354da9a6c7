// The scheduler in a real sandbox (API server over HTTPS, real kubectl v1.35), run alone so that only
// scheduling changes pods: nodes are plain Node objects, nothing runs the pods.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../domain/object.ts';
import { kubectlFor } from '../../../test/support/kubectl.ts';
import { testSandbox, type TestSandbox } from '../../../test/support/sandbox.ts';
import { createClusterContext, type ClusterContext } from './context.ts';
import type { Stop } from './index.ts';
import { startScheduler, type SchedulerStats } from './scheduler.ts';

async function eventually<T>(what: string, check: () => T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function nodeObject(name: string, cpu: string, extra: { unschedulable?: boolean; labels?: Record<string, string> } = {}): object {
  const allocatable = { cpu, memory: '8Gi', pods: '110' };
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...extra.labels } },
    spec: extra.unschedulable ? { unschedulable: true } : {},
    status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status' }] },
  };
}

function podObject(name: string, cpu: string, spec: object = {}): object {
  return { metadata: { name, labels: { app: name.replace(/-\d+$/, '') } }, spec: { containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu } } }], ...spec } };
}

describe('scheduler in a sandbox', () => {
  let sandbox: TestSandbox;
  let ctx: ClusterContext;
  let stop: Stop;
  let k: ReturnType<typeof kubectlFor>;
  const stats: SchedulerStats = { scheduled: 0, failedAttempts: 0 };

  before(async () => {
    sandbox = await testSandbox({ apiOnly: true, timeScale: 20 });
    ctx = createClusterContext(sandbox.service, sandbox.clock, { logs: sandbox.logs });
    stop = startScheduler(ctx, stats);
    k = kubectlFor(sandbox.kubeconfig);
  });

  after(async () => {
    stop();
    await sandbox.cleanup();
  });

  const pod = (name: string): KubeObject | undefined => ctx.service.find(ctx.types.pods, 'default', name);
  const nodeOf = (name: string): string | undefined => pod(name)?.spec?.nodeName || undefined;
  const scheduledCondition = (name: string) => (pod(name)?.status?.conditions ?? []).find((c: any) => c.type === 'PodScheduled');

  it('binds pods to nodes, spreading them, with the Scheduled event and condition', async () => {
    for (const name of ['node-1', 'node-2', 'node-3']) ctx.service.create(ctx.types.nodes, '', nodeObject(name, '2'));
    const manifest = [1, 2, 3, 4, 5, 6]
      .map((i) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-${i}\n  labels: {app: web}\nspec:\n  containers:\n  - name: c\n    image: nginx\n    resources: {requests: {cpu: 500m}}\n`)
      .join('---\n');
    await k.ok(['apply', '-f', '-'], { input: manifest });
    await eventually('all six bound', () => [1, 2, 3, 4, 5, 6].every((i) => nodeOf(`web-${i}`)));
    const perNode: Record<string, number> = {};
    for (let i = 1; i <= 6; i++) perNode[nodeOf(`web-${i}`)!] = (perNode[nodeOf(`web-${i}`)!] ?? 0) + 1;
    assert.deepEqual(perNode, { 'node-1': 2, 'node-2': 2, 'node-3': 2 });
    assert.equal(scheduledCondition('web-1')?.status, 'True');

    const wide = await k.ok(['get', 'pods', '-o', 'wide', '--no-headers']);
    assert.match(wide, new RegExp(`web-1 .* ${nodeOf('web-1')} `));
    const described = await k.ok(['describe', 'pod', 'web-1']);
    assert.match(described, new RegExp(`Normal\\s+Scheduled\\s+\\S+\\s+default-scheduler\\s+Successfully assigned default/web-1 to ${nodeOf('web-1')}`));
  });

  it('marks a pod that fits nowhere Unschedulable, says why, and binds it once a node is uncordoned', async () => {
    // node-1..3 have 2 cpu with 1 cpu used; node-4 is cordoned and large
    ctx.service.create(ctx.types.nodes, '', nodeObject('node-4', '4', { unschedulable: true }));
    ctx.service.create(ctx.types.pods, 'default', podObject('big-1', '1500m'));
    const expected =
      '0/4 nodes are available: 1 node(s) were unschedulable, 3 Insufficient cpu. preemption: 0/4 nodes are available: 1 Preemption is not helpful for scheduling, 3 No preemption victims found for incoming pod.';
    const condition = await eventually('PodScheduled=False', () => (scheduledCondition('big-1')?.status === 'False' ? scheduledCondition('big-1') : undefined));
    assert.equal(condition.reason, 'Unschedulable');
    assert.equal(condition.message, expected);
    const described = await k.ok(['describe', 'pod', 'big-1']);
    assert.match(described, /Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0\/4 nodes are available: 1 node\(s\) were unschedulable, 3 Insufficient cpu\./);
    assert.match(described, /PodScheduled\s+False/);
    const pending = await k.ok(['get', 'pod', 'big-1', '--no-headers']);
    assert.match(pending, /big-1\s+0\/1\s+Pending/);

    // nothing changed: it is not retried in a loop
    const attempts = stats.failedAttempts;
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(stats.failedAttempts, attempts);

    await k.ok(['uncordon', 'node-4']);
    await eventually('big-1 bound to node-4', () => nodeOf('big-1') === 'node-4');
    assert.equal(scheduledCondition('big-1')?.status, 'True');
    assert.equal(scheduledCondition('big-1')?.reason, undefined);
  });

  it('binds a waiting pod when a pod is deleted and frees room', async () => {
    // every node is now too full for 1800m: node-4 has 2500m left after big-1, so fill it first
    ctx.service.create(ctx.types.pods, 'default', podObject('filler-1', '1'));
    await eventually('filler bound', () => nodeOf('filler-1'));
    assert.equal(nodeOf('filler-1'), 'node-4');
    ctx.service.create(ctx.types.pods, 'default', podObject('large-1', '1800m'));
    await eventually('large-1 unschedulable', () => scheduledCondition('large-1')?.status === 'False');
    assert.match(scheduledCondition('large-1')?.message, /^0\/4 nodes are available: 4 Insufficient cpu\./);
    // no kubelet confirms a graceful deletion here, so delete at once
    await k.ok(['delete', 'pod', 'filler-1', '--grace-period=0', '--force']);
    await eventually('large-1 bound', () => nodeOf('large-1'), 15_000);
    assert.equal(nodeOf('large-1'), 'node-4');
  });

  it('leaves pods of other schedulers alone and accounts pods bound by others', async () => {
    ctx.service.create(ctx.types.pods, 'default', podObject('custom-1', '100m', { schedulerName: 'my-scheduler' }));
    ctx.service.create(ctx.types.nodes, '', nodeObject('node-5', '1'));
    ctx.service.create(ctx.types.pods, 'default', podObject('pinned-1', '1', { nodeName: 'node-5' }));
    ctx.service.create(ctx.types.pods, 'default', podObject('after-1', '1', { nodeSelector: { 'kubernetes.io/hostname': 'node-5' } }));
    await eventually('after-1 unschedulable', () => scheduledCondition('after-1')?.status === 'False');
    assert.match(scheduledCondition('after-1')?.message, /^0\/5 nodes are available: 1 Insufficient cpu, 4 node\(s\) didn't match Pod's node affinity\/selector\./);
    assert.equal(nodeOf('custom-1'), undefined);
    assert.equal(scheduledCondition('custom-1'), undefined);
  });

  it('binds in one write', async () => {
    const before = ctx.service.store.resourceVersion;
    let writes = 0;
    const unwatch = ctx.service.store.watch('core/pods', (event) => {
      if (event.entry.name === 'single-1') writes++;
    });
    ctx.service.create(ctx.types.pods, 'default', podObject('single-1', '10m'));
    await eventually('single-1 bound', () => nodeOf('single-1'));
    unwatch();
    assert.ok(ctx.service.store.resourceVersion > before);
    assert.equal(writes, 2, 'the create and the binding');
  });
});
