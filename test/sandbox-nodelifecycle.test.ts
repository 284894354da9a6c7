// Node heartbeats and the node lifecycle controller, rehearsed with `kmaint sandbox node stop|start|reboot`
// and watched with the real kubectl: a stopped kubelet makes its node Unknown after 40 simulated seconds, the
// unreachable taints follow, pods go after their tolerationSeconds (300 s by default) while DaemonSet-style
// pods stay, and starting the kubelet brings the node back Ready without taints.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectlFor } from './support/kubectl.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import type { KubeObject } from '../src/domain/object.ts';
import { eventually } from './support/scenario-wait.ts';
import { kmaint } from './support/kmaint.ts';

let sandbox: TestSandbox;
let k: ReturnType<typeof kubectlFor>;

const types = () => sandbox.cluster!.types;
const node = (name: string): KubeObject | undefined => sandbox.service.find(types().nodes, '', name);
const pod = (name: string): KubeObject | undefined => sandbox.service.find(types().pods, 'default', name);
const condition = (object: KubeObject | undefined, type: string): string | undefined => object?.status?.conditions?.find((c: any) => c.type === type)?.status;

const until = async (check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> => void (await eventually(check, timeoutMs, () => what, 10));

function createPod(name: string, tolerations?: unknown[]): void {
  sandbox.service.create(types().pods, 'default', {
    metadata: { name },
    spec: { nodeName: 'w1', containers: [{ name: 'app', image: 'nginx:1.25' }], ...(tolerations ? { tolerations } : {}) },
  });
}

before(async () => {
  sandbox = await testSandbox({ timeScale: 50 });
  k = kubectlFor(sandbox.kubeconfig);
  for (const name of ['w1', 'w2']) {
    sandbox.service.create(types().nodes, '', { metadata: { name, annotations: { 'sandbox.kmaint.io/simulated': 'true' } } });
  }
  // a plain Node object with no kubelet behind it is left alone
  sandbox.service.create(types().nodes, '', { metadata: { name: 'fixture' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } });
  createPod('app');
  createPod('short', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 }]);
  createPod('daemon', [
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
  ]);
  await until(() => ['app', 'short', 'daemon'].every((name) => condition(pod(name), 'Ready') === 'True'), 'pods Ready');
});

after(async () => {
  await sandbox?.cleanup();
});

test('sandbox node stop: Unknown after 40 s, taints, evictions after tolerationSeconds; start: Ready again', async () => {
  const stopped = await kmaint(sandbox, 'sandbox', 'node', 'stop', 'w1');
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.match(stopped.stdout, /^node\/w1 kubelet stopped/);
  await until(() => condition(node('w1'), 'Ready') === 'Unknown', 'w1 Unknown');
  const lastRenew = Date.parse(sandbox.service.get(types().leases, 'kube-node-lease', 'w1').spec.renewTime);
  const wentUnknown = Date.parse(node('w1')!.status.conditions.find((c: any) => c.type === 'Ready').lastTransitionTime);
  const unknownAfter = (wentUnknown - lastRenew) / 1000;
  assert.ok(unknownAfter >= 39 && unknownAfter <= 60, `Unknown ${unknownAfter} simulated seconds after the last renewal`);
  assert.match(await k.ok(['get', 'node', 'w1']), /w1\s+NotReady/);
  await until(() => (node('w1')!.spec.taints ?? []).length === 2, 'the unreachable taints');
  const described = await k.ok(['describe', 'node', 'w1']);
  assert.match(described, /Taints:\s+node\.kubernetes\.io\/unreachable:NoExecute\n\s+node\.kubernetes\.io\/unreachable:NoSchedule/);
  assert.match(described, /Ready\s+Unknown\s.*NodeStatusUnknown\s+Kubelet stopped posting node status\./);
  assert.match(described, /MemoryPressure\s+Unknown/);
  assert.match(described, /NodeNotReady\s+.*Node w1 status is now: NodeNotReady/);
  await until(() => condition(pod('app'), 'Ready') === 'False', "the pods' Ready condition False");
  const taintedAt = Date.parse(node('w1')!.spec.taints.find((t: any) => t.effect === 'NoExecute').timeAdded);

  // tolerationSeconds 30: evicted 30 s after the taint; the default 300 s one still there
  await until(() => !!pod('short')?.metadata.deletionTimestamp, 'short evicted');
  const shortAfter = (sandbox.clock.nowMs() - taintedAt) / 1000;
  assert.ok(shortAfter >= 29 && shortAfter < 60, `short evicted ${shortAfter} s after the taint`);
  assert.equal(pod('app')!.metadata.deletionTimestamp, undefined);
  assert.equal(pod('short')!.status.conditions.find((c: any) => c.type === 'DisruptionTarget')?.reason, 'DeletionByTaintManager');

  await until(() => !!pod('app')?.metadata.deletionTimestamp, 'app evicted', 30_000);
  const appAfter = (sandbox.clock.nowMs() - taintedAt) / 1000;
  assert.ok(appAfter >= 299 && appAfter < 340, `app evicted ${appAfter} s after the taint`);
  // with its kubelet down nothing confirms the stop: the pod stays Terminating, as on a real cluster
  assert.match(await k.ok(['get', 'pod', 'app']), /app\s+1\/1\s+Terminating/);
  assert.equal(pod('daemon')!.metadata.deletionTimestamp, undefined, 'a pod tolerating the taint forever stays');
  // the other nodes are unaffected
  assert.equal(condition(node('w2'), 'Ready'), 'True');
  assert.equal(condition(node('fixture'), 'Ready'), 'True');
  assert.equal(node('fixture')!.spec?.taints, undefined);

  const started = await kmaint(sandbox, 'sandbox', 'node', 'start', 'w1');
  assert.equal(started.code, 0, started.stderr);
  assert.match(started.stdout, /^node\/w1 kubelet started/);
  await until(() => condition(node('w1'), 'Ready') === 'True', 'w1 Ready');
  await until(() => (node('w1')!.spec.taints ?? []).length === 0, 'taints removed');
  await until(() => !pod('app') && !pod('short'), 'the evicted pods finish terminating');
  await until(() => condition(pod('daemon'), 'Ready') === 'True', 'daemon Ready again');
  assert.match(await k.ok(['get', 'node', 'w1']), /w1\s+Ready/);
});

test('sandbox node reboot and the CLI errors', async () => {
  const bootId = node('w2')!.status.nodeInfo.bootID;
  const rebooted = await kmaint(sandbox, 'sandbox', 'node', 'reboot', 'w2');
  assert.equal(rebooted.code, 0, rebooted.stderr);
  assert.match(rebooted.stdout, /^node\/w2 rebooting/);
  await until(() => condition(node('w2'), 'Ready') === 'True' && node('w2')!.status.nodeInfo.bootID !== bootId, 'w2 back with a new boot id');

  const again = await kmaint(sandbox, 'sandbox', 'node', 'start', 'w2');
  assert.equal(again.code, 0);
  assert.match(again.stdout, /already running/);
  const missing = await kmaint(sandbox, 'sandbox', 'node', 'stop', 'nope');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /node "nope" not found/);
  const plain = await kmaint(sandbox, 'sandbox', 'node', 'stop', 'fixture');
  assert.equal(plain.code, 1);
  assert.match(plain.stderr, /not a simulated sandbox node/);
});
