// Deployments and ReplicaSets on the sandbox, driven and checked with the real kubectl v1.35.
// Pods run on plain test nodes through test/support/workload-kubelet.ts (a stand-in kubelet).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import { kubectlFor } from './support/kubectl.ts';
import { addTestNode, startTestKubelet, type TestKubelet } from './support/workload-kubelet.ts';
import { eventually } from './support/scenario-wait.ts';

const deployment = (image: string, extra = ''): string => `
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 4
  selector:
    matchLabels: { app: web }
  strategy:
    rollingUpdate: { maxSurge: 1, maxUnavailable: 1 }
${extra}
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
      - name: web
        image: ${image}
`;

const until = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> => eventually(probe, timeoutMs, () => what, 50);

describe('Deployment controller (kubectl v1.35)', () => {
  let sandbox: TestSandbox;
  let kubelet: TestKubelet;
  let k: ReturnType<typeof kubectlFor>;

  before(async () => {
    sandbox = await testSandbox({ timeScale: 1 });
    for (const name of ['w1', 'w2', 'w3']) addTestNode(sandbox, name);
    kubelet = startTestKubelet(sandbox, ['w1', 'w2', 'w3']);
    k = kubectlFor(sandbox.kubeconfig);
  });
  after(async () => {
    kubelet.stop();
    await sandbox.cleanup();
  });

  const types = (): NonNullable<TestSandbox['cluster']>['types'] => sandbox.cluster!.types;
  const podsOf = (prefix: string): any[] => sandbox.service.list(types().pods, 'default', {}).entries.map((e) => JSON.parse(e.json.toString('utf8'))).filter((p) => p.metadata.name.startsWith(prefix));
  const replicaSets = (): any[] => sandbox.service.list(types().replicaSets, 'default', {}).entries.map((e) => JSON.parse(e.json.toString('utf8')));

  it('creates a ReplicaSet named by the template hash and its pods, and rollout status returns 0', async () => {
    await k.ok(['apply', '-f', '-'], { input: deployment('nginx:1.25') });
    const out = await k.ok(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    assert.match(out, /successfully rolled out/);
    const [rs] = replicaSets();
    const hash = rs.metadata.labels['pod-template-hash'];
    assert.equal(rs.metadata.name, `web-${hash}`);
    assert.equal(rs.metadata.annotations['deployment.kubernetes.io/revision'], '1');
    assert.equal(rs.metadata.ownerReferences[0].kind, 'Deployment');
    const pods = podsOf('web-');
    assert.equal(pods.length, 4);
    for (const pod of pods) {
      assert.match(pod.metadata.name, new RegExp(`^web-${hash}-[a-z0-9]{5}$`));
      assert.deepEqual(pod.metadata.ownerReferences[0], { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs.metadata.name, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true });
    }
    const d = JSON.parse(await k.ok(['get', 'deployment', 'web', '-o', 'json']));
    assert.equal(d.status.availableReplicas, 4);
    assert.equal(d.status.updatedReplicas, 4);
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '1');
    const progressing = d.status.conditions.find((c: any) => c.type === 'Progressing');
    assert.equal(progressing.reason, 'NewReplicaSetAvailable');
    const available = d.status.conditions.find((c: any) => c.type === 'Available');
    assert.equal(available.status, 'True');
    const events = await k.ok(['get', 'events', '--field-selector', 'reason=ScalingReplicaSet', '-o', 'jsonpath={.items[*].message}']);
    assert.match(events, /Scaled up replica set web-\w+ from 0 to 4/);
  });

  it('rolls a new image out within maxSurge and maxUnavailable', async () => {
    const limitsHeld: string[] = [];
    const watch = setInterval(() => {
      const pods = podsOf('web-').filter((p) => !p.metadata.deletionTimestamp);
      const ready = pods.filter((p) => p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'));
      if (pods.length > 5) limitsHeld.push(`surge: ${pods.length} pods`);
      if (ready.length < 3) limitsHeld.push(`unavailable: ${ready.length} ready`);
    }, 5);
    await k.ok(['set', 'image', 'deployment/web', 'web=nginx:1.26']);
    const out = await k.ok(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    clearInterval(watch);
    assert.match(out, /successfully rolled out/);
    assert.deepEqual(limitsHeld, []);
    const images = podsOf('web-').filter((p) => !p.metadata.deletionTimestamp).map((p) => p.spec.containers[0].image);
    assert.deepEqual(images, ['nginx:1.26', 'nginx:1.26', 'nginx:1.26', 'nginx:1.26']);
    const history = await k.ok(['rollout', 'history', 'deployment/web']);
    assert.match(history, /^1\s/m);
    assert.match(history, /^2\s/m);
  });

  it('rollout undo restores the previous image', async () => {
    await k.ok(['rollout', 'undo', 'deployment/web']);
    await k.ok(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    const d = JSON.parse(await k.ok(['get', 'deployment', 'web', '-o', 'json']));
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.25');
    assert.equal(d.metadata.annotations['deployment.kubernetes.io/revision'], '3');
    const history = await k.ok(['rollout', 'history', 'deployment/web']);
    assert.match(history, /^2\s/m);
    assert.match(history, /^3\s/m);
    assert.doesNotMatch(history, /^1\s/m);
    await until('old pods gone', () => podsOf('web-').every((p) => p.spec.containers[0].image === 'nginx:1.25'));
  });

  it('kubectl scale resizes the Deployment and its ReplicaSet, deleting pods when scaling down', async () => {
    await k.ok(['scale', 'deployment/web', '--replicas=7']);
    await k.ok(['rollout', 'status', 'deployment/web', '--timeout=30s']);
    await until('7 pods', () => podsOf('web-').filter((p) => !p.metadata.deletionTimestamp).length === 7);
    await k.ok(['scale', 'deployment/web', '--replicas=2']);
    await until('2 pods', () => podsOf('web-').length === 2);
    const d = JSON.parse(await k.ok(['get', 'deployment', 'web', '-o', 'json']));
    await until('status', () => {
      const now = sandbox.service.get(types().deployments, 'default', 'web');
      return now.status.replicas === 2 && now.status.availableReplicas === 2;
    });
    assert.equal(d.spec.replicas, 2);
    const active = replicaSets().filter((rs) => rs.spec.replicas > 0);
    assert.equal(active.length, 1);
    assert.equal(active[0].spec.replicas, 2);
    assert.equal(active[0].metadata.annotations['deployment.kubernetes.io/desired-replicas'], '2');
  });

  it('Recreate scales the old ReplicaSet to zero before the new one starts', async () => {
    await k.ok(['apply', '-f', '-'], {
      input: `
apiVersion: apps/v1
kind: Deployment
metadata: { name: batch, namespace: default }
spec:
  replicas: 3
  strategy: { type: Recreate }
  selector: { matchLabels: { app: batch } }
  template:
    metadata: { labels: { app: batch } }
    spec: { containers: [{ name: c, image: busybox:1 }] }
`,
    });
    await k.ok(['rollout', 'status', 'deployment/batch', '--timeout=30s']);
    let mixed = false;
    const watch = setInterval(() => {
      const images = new Set(podsOf('batch-').map((p) => p.spec.containers[0].image));
      if (images.size > 1) mixed = true;
    }, 5);
    await k.ok(['set', 'image', 'deployment/batch', 'c=busybox:2']);
    await k.ok(['rollout', 'status', 'deployment/batch', '--timeout=30s']);
    clearInterval(watch);
    assert.equal(mixed, false);
    assert.deepEqual(podsOf('batch-').map((p) => p.spec.containers[0].image), ['busybox:2', 'busybox:2', 'busybox:2']);
  });

  it('a ReplicationController keeps its replicas and adopts a matching orphan', async () => {
    await k.ok(['run', 'stray', '--image=nginx', '--labels=app=legacy']);
    await k.ok(['apply', '-f', '-'], {
      input: `
apiVersion: v1
kind: ReplicationController
metadata: { name: legacy, namespace: default }
spec:
  replicas: 3
  selector: { app: legacy }
  template:
    metadata: { labels: { app: legacy } }
    spec: { containers: [{ name: c, image: nginx }] }
`,
    });
    await until('3 pods', () => {
      const pods = sandbox.service.list(types().pods, 'default', { labelSelector: 'app=legacy' }).entries.map((e) => JSON.parse(e.json.toString('utf8')));
      return pods.length === 3 && pods.every((p) => p.metadata.ownerReferences?.[0]?.name === 'legacy') && pods;
    });
    const stray = sandbox.service.get(types().pods, 'default', 'stray');
    assert.equal(stray.metadata.ownerReferences?.[0].kind, 'ReplicationController');
    await until('rc status', () => sandbox.service.get(types().replicationControllers, 'default', 'legacy').status?.readyReplicas === 3);
  });
});
