// Simulated kubelets through the real kubectl v1.35: node heartbeats and status, pods from ContainerCreating to
// Running, logs, metrics, watch, graceful and stuck termination, crash loops, image pull errors, static pods,
// Job-style pods, and a reboot. The sandbox runs 25x faster than real time.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { kubectlFor, startKubectl } from './support/kubectl.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import type { KubeObject } from '../src/domain/object.ts';
import { eventually } from './support/scenario-wait.ts';

const TIME_SCALE = 25;
let sandbox: TestSandbox;
let k: ReturnType<typeof kubectlFor>;

before(async () => {
  sandbox = await testSandbox({ timeScale: TIME_SCALE });
  k = kubectlFor(sandbox.kubeconfig);
  createNode('n1');
  createNode('n2', { capacity: { cpu: '8', memory: '16Gi', pods: '50' }, nodeInfo: { kubeletVersion: 'v1.27.0' } });
  await until(() => ready('n1') && ready('n2'), 'nodes Ready');
});

after(async () => {
  await sandbox?.cleanup();
});

const types = () => sandbox.cluster!.types;

function createNode(name: string, status: Record<string, unknown> = {}): void {
  sandbox.service.create(types().nodes, '', { metadata: { name, annotations: { 'sandbox.kmaint.io/simulated': 'true' }, labels: { 'kubernetes.io/hostname': name } }, status });
}

function createPod(name: string, options: { node?: string; annotations?: Record<string, string>; spec?: Record<string, unknown>; container?: Record<string, unknown> } = {}): KubeObject {
  return sandbox.service.create(types().pods, 'default', {
    metadata: { name, labels: { app: name }, annotations: options.annotations },
    spec: { nodeName: options.node ?? 'n1', containers: [{ name: 'app', image: 'nginx:1.25', resources: { requests: { cpu: '100m', memory: '64Mi' } }, ...options.container }], ...options.spec },
  });
}

function pod(name: string): KubeObject | undefined {
  return sandbox.service.find(types().pods, 'default', name);
}

function node(name: string): KubeObject | undefined {
  return sandbox.service.find(types().nodes, '', name);
}

function condition(object: KubeObject | undefined, type: string): string | undefined {
  return object?.status?.conditions?.find((c: any) => c.type === type)?.status;
}

function ready(name: string): boolean {
  return condition(node(name), 'Ready') === 'True';
}

/** Simulated seconds since `from` (a clock reading). */
function simSecondsSince(from: number): number {
  return (sandbox.clock.nowMs() - from) / 1000;
}

const until = async (check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> => void (await eventually(check, timeoutMs, () => what, 20));

describe('nodes', () => {
  test('a simulated node is Ready, renews its Lease, and reports its status', async () => {
    const out = await k.ok(['get', 'nodes', '-o', 'wide']);
    assert.match(out, /^n1\s+Ready\s+<none>\s+\S+\s+v1\.35\.0\s+172\.16\.\d+\.\d+\s+<none>\s+Debian GNU\/Linux 12 \(bookworm\)\s+\S+\s+containerd:\/\/1\.7\.\d+/m);
    assert.match(out, /^n2\s+Ready\s+<none>\s+\S+\s+v1\.27\.0\s/m);
    const lease = sandbox.service.get(types().leases, 'kube-node-lease', 'n1');
    assert.equal(lease.spec.holderIdentity, 'n1');
    assert.equal(lease.spec.leaseDurationSeconds, 40);
    assert.equal(lease.metadata.ownerReferences?.[0].kind, 'Node');
    const first = Date.parse(lease.spec.renewTime);
    await until(() => Date.parse(sandbox.service.get(types().leases, 'kube-node-lease', 'n1').spec.renewTime) > first, 'a Lease renewal');
    const renewed = Date.parse(sandbox.service.get(types().leases, 'kube-node-lease', 'n1').spec.renewTime);
    assert.ok(renewed - first >= 9_000 && renewed - first <= 16_000, `renewed after ${renewed - first} ms`);
    const described = await k.ok(['describe', 'node', 'n1']);
    assert.match(described, /Lease:\n\s+HolderIdentity:\s+n1\n\s+AcquireTime:\s+<unset>\n\s+RenewTime:\s+\w{3}, \d+ \w{3} \d{4}/);
    assert.match(described, /Ready\s+True\s.*KubeletReady\s+kubelet is posting ready status/);
    assert.match(described, /PodCIDR:\s+10\.244\.\d+\.0\/24/);
    assert.match(described, /Starting kubelet\./);
    const n2 = await k.ok(['describe', 'node', 'n2']);
    assert.match(n2, /Capacity:\n\s+cpu:\s+8\n[\s\S]*memory:\s+16Gi\n\s+pods:\s+50/);
  });

  test('status is posted when it changes, not on every heartbeat', async () => {
    const before = node('n2')!.metadata.resourceVersion;
    const start = sandbox.clock.nowMs();
    await until(() => simSecondsSince(start) > 35, '35 simulated seconds');
    assert.equal(node('n2')!.metadata.resourceVersion, before, 'an unchanged node status is not written again within 5 minutes');
  });
});

describe('pods', () => {
  test('a bound pod goes ContainerCreating then Running and Ready; kubectl get -w sees it', async () => {
    const watch = startKubectl(sandbox.kubeconfig, ['get', 'pods', '-w']);
    try {
      // with no pods yet kubectl prints nothing until the first event: give it time to open the watch
      await new Promise((resolve) => setTimeout(resolve, 1500));
      createPod('web');
      await watch.waitFor(/web\s+1\/1\s+Running/);
      assert.match(watch.stdout, /web\s+0\/1\s+ContainerCreating/);
    } finally {
      await watch.stop();
    }
    const out = await k.ok(['get', 'pods', '-o', 'wide']);
    assert.match(out, /^web\s+1\/1\s+Running\s+0\s+\S+\s+10\.244\.\d+\.\d+\s+n1\s/m);
    const status = pod('web')!.status;
    assert.equal(status.hostIP, (node('n1')!.status.addresses as any[]).find((a) => a.type === 'InternalIP').address);
    assert.deepEqual(status.conditions.map((c: any) => `${c.type}=${c.status}`).sort(), ['ContainersReady=True', 'Initialized=True', 'PodReadyToStartContainers=True', 'PodScheduled=True', 'Ready=True']);
    assert.ok(status.containerStatuses[0].state.running.startedAt);
    const described = await k.ok(['describe', 'pod', 'web']);
    for (const reason of ['Pulling', 'Pulled', 'Created', 'Started']) assert.match(described, new RegExp(`Normal\\s+${reason}\\s+\\S+\\s+kubelet`));
    // the node now lists the image it pulled
    await until(() => (node('n1')!.status.images ?? []).some((i: any) => i.names.includes('docker.io/library/nginx:1.25')), 'the image in status.images');
  });

  test('a second pod with the same image finds it already present; a readiness delay holds Ready back', async () => {
    createPod('slow-ready', { container: { readinessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 30 } } });
    await until(() => pod('slow-ready')?.status?.phase === 'Running', 'Running');
    const started = Date.parse(pod('slow-ready')!.status.containerStatuses[0].state.running.startedAt);
    assert.equal(condition(pod('slow-ready'), 'Ready'), 'False');
    await until(() => condition(pod('slow-ready'), 'Ready') === 'True', 'Ready');
    assert.ok(sandbox.clock.nowMs() - started >= 29_000, 'Ready only after initialDelaySeconds');
    const described = await k.ok(['describe', 'pod', 'slow-ready']);
    assert.match(described, /Container image "nginx:1\.25" already present on machine/);
  });

  test('kubectl logs -f streams deterministic lines', async () => {
    await until(() => pod('web')?.status?.phase === 'Running', 'web Running');
    const follow = startKubectl(sandbox.kubeconfig, ['logs', '-f', 'web']);
    try {
      await follow.waitFor(/starting app \(nginx:1\.25\)/);
      const seen = (follow.stdout.match(/request \d+ served/g) ?? []).length;
      await follow.waitFor((out) => (out.match(/request \d+ served/g) ?? []).length >= seen + 2);
    } finally {
      await follow.stop();
    }
    assert.match(follow.stdout, /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO web request \d+ served in \d+ms$/m);
  });

  test('kubectl top nodes and top pods show usage below the requests', async () => {
    const nodes = await k.ok(['top', 'nodes']);
    assert.match(nodes, /^n1\s+\d+m\s+\d+%\s+\d+Mi\s+\d+%/m);
    const pods = await k.ok(['top', 'pods']);
    const match = /^web\s+(\d+)m\s+(\d+)Mi/m.exec(pods);
    assert.ok(match, pods);
    assert.ok(Number(match[1]) <= 100 && Number(match[2]) <= 64, pods);
  });

  test('graceful deletion waits for the containers to stop, within the grace period', async () => {
    createPod('ignores-sigterm', { annotations: { 'sandbox.kmaint.io/stop-seconds': '1000' }, spec: { terminationGracePeriodSeconds: 60 } });
    createPod('quick-stop', { spec: { terminationGracePeriodSeconds: 60 } });
    await until(() => pod('ignores-sigterm')?.status?.phase === 'Running' && pod('quick-stop')?.status?.phase === 'Running', 'both Running');
    const start = sandbox.clock.nowMs();
    await k.ok(['delete', 'pod', 'ignores-sigterm', 'quick-stop', '--wait=false']);
    await until(() => !pod('quick-stop'), 'quick-stop gone');
    assert.ok(simSecondsSince(start) < 10, 'a container that stops at once is gone in seconds');
    assert.match(await k.ok(['get', 'pod', 'ignores-sigterm']), /ignores-sigterm\s+1\/1\s+Terminating/);
    assert.match(await k.ok(['describe', 'pod', 'ignores-sigterm']), /Killing\s+\S+\s+kubelet\s+.*Stopping container app/);
    await until(() => !pod('ignores-sigterm'), 'ignores-sigterm gone', 20_000);
    const took = simSecondsSince(start);
    assert.ok(took >= 58 && took < 90, `removed after ${took} simulated seconds, expected the 60 s grace period`);
  });

  test('deleting a terminating pod again with a shorter grace period brings its deadline forward', async () => {
    createPod('slow-stop', { annotations: { 'sandbox.kmaint.io/stop-seconds': '1000' }, spec: { terminationGracePeriodSeconds: 120 } });
    await until(() => pod('slow-stop')?.status?.phase === 'Running', 'Running');
    const start = sandbox.clock.nowMs();
    await k.ok(['delete', 'pod', 'slow-stop', '--wait=false']);
    const first = pod('slow-stop')!.metadata;
    assert.equal(first.deletionGracePeriodSeconds, 120);
    // a longer grace period changes nothing
    await k.ok(['delete', 'pod', 'slow-stop', '--wait=false', '--grace-period=300']);
    assert.equal(pod('slow-stop')!.metadata.deletionTimestamp, first.deletionTimestamp);
    await k.ok(['delete', 'pod', 'slow-stop', '--wait=false', '--grace-period=10']);
    const second = pod('slow-stop')!.metadata;
    assert.equal(second.deletionGracePeriodSeconds, 10);
    assert.equal(Date.parse(second.deletionTimestamp!) - Date.parse(first.deletionTimestamp!), -110_000);
    await until(() => !pod('slow-stop'), 'slow-stop gone', 20_000);
    const took = simSecondsSince(start);
    assert.ok(took >= 8 && took < 40, `removed after ${took} simulated seconds, expected about the 10 s of the second delete`);
  });

  test('a stuck-terminating pod stays Terminating until it is force deleted', async () => {
    createPod('stuck', { annotations: { 'sandbox.kmaint.io/stuck-terminating': 'true' }, spec: { terminationGracePeriodSeconds: 5 } });
    await until(() => pod('stuck')?.status?.phase === 'Running', 'Running');
    await k.ok(['delete', 'pod', 'stuck', '--wait=false']);
    const start = sandbox.clock.nowMs();
    await until(() => simSecondsSince(start) > 30, '30 simulated seconds');
    assert.match(await k.ok(['get', 'pod', 'stuck']), /stuck\s+1\/1\s+Terminating/);
    await k.ok(['delete', 'pod', 'stuck', '--force', '--grace-period=0']);
    assert.equal(pod('stuck'), undefined);
  });

  test('crash-loop: restarts with backoff, CrashLoopBackOff, and --previous logs', async () => {
    createPod('crasher', { annotations: { 'sandbox.kmaint.io/crash-loop': 'true' } });
    await until(() => (pod('crasher')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 2, 'two restarts', 20_000);
    await until(() => pod('crasher')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff', 'CrashLoopBackOff');
    const out = await k.ok(['get', 'pod', 'crasher']);
    assert.match(out, /crasher\s+0\/1\s+CrashLoopBackOff\s+\d+ \(\S+ ago\)/);
    const last = pod('crasher')!.status.containerStatuses[0].lastState.terminated;
    assert.equal(last.exitCode, 1);
    assert.equal(last.reason, 'Error');
    assert.match(await k.ok(['describe', 'pod', 'crasher']), /Warning\s+BackOff\s+.*Back-off restarting failed container app/);
    assert.match(await k.ok(['logs', 'crasher', '--previous']), /INFO crasher starting app/);
  });

  test('image-pull-error: ErrImagePull, then ImagePullBackOff', async () => {
    createPod('bad-image', { annotations: { 'sandbox.kmaint.io/image-pull-error': 'true' }, container: { image: 'registry.example/nope:1' } });
    await until(() => pod('bad-image')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff', 'ImagePullBackOff');
    assert.match(await k.ok(['get', 'pod', 'bad-image']), /bad-image\s+0\/1\s+ImagePullBackOff/);
    const described = await k.ok(['describe', 'pod', 'bad-image']);
    assert.match(described, /Failed to pull image "registry\.example\/nope:1"/);
    assert.match(described, /Error: ErrImagePull/);
    assert.match(described, /Back-off pulling image "registry\.example\/nope:1"/);
  });

  test('pods with run-seconds complete: Succeeded with exit 0, Failed with an exit code', async () => {
    createPod('job-ok', { annotations: { 'sandbox.kmaint.io/run-seconds': '5' }, spec: { restartPolicy: 'Never' } });
    createPod('job-fail', { annotations: { 'sandbox.kmaint.io/run-seconds': '5', 'sandbox.kmaint.io/exit-code': '3' }, spec: { restartPolicy: 'Never' } });
    await until(() => pod('job-ok')?.status?.phase === 'Succeeded' && pod('job-fail')?.status?.phase === 'Failed', 'completion');
    const out = await k.ok(['get', 'pods', 'job-ok', 'job-fail']);
    assert.match(out, /job-ok\s+0\/1\s+Completed\s+0/);
    assert.match(out, /job-fail\s+0\/1\s+Error\s+0/);
    assert.equal(pod('job-fail')!.status.containerStatuses[0].state.terminated.exitCode, 3);
  });

  test('a mirror pod comes back when deleted', async () => {
    createPod('etcd-n2', { node: 'n2', annotations: { 'kubernetes.io/config.mirror': 'abc123' } });
    await until(() => pod('etcd-n2')?.status?.phase === 'Running', 'Running');
    const uid = pod('etcd-n2')!.metadata.uid;
    await k.ok(['delete', 'pod', 'etcd-n2', '--wait=false']);
    await until(() => !!pod('etcd-n2') && pod('etcd-n2')!.metadata.uid !== uid, 'recreated');
    await until(() => pod('etcd-n2')?.status?.phase === 'Running', 'Running again');
  });

  test('a reboot: NotReady briefly, a new boot id, containers restart', async () => {
    createPod('on-n2', { node: 'n2' });
    await until(() => pod('on-n2')?.status?.phase === 'Running', 'Running');
    const bootId = node('n2')!.status.nodeInfo.bootID;
    sandbox.service.patch(types().nodes, '', 'n2', 'merge', { metadata: { annotations: { 'sandbox.kmaint.io/reboot': '1' } } });
    await until(() => condition(node('n2'), 'Ready') === 'False', 'NotReady');
    await until(() => ready('n2') && node('n2')!.status.nodeInfo.bootID !== bootId, 'Ready with a new boot id');
    await until(() => pod('on-n2')?.status?.containerStatuses?.[0]?.restartCount === 1 && condition(pod('on-n2'), 'Ready') === 'True', 'restarted and Ready');
    assert.match(await k.ok(['get', 'pod', 'on-n2']), /on-n2\s+1\/1\s+Running\s+1 \(\S+ ago\)/);
    assert.match(await k.ok(['describe', 'node', 'n2']), /Warning\s+Rebooted\s+.*Node n2 has been rebooted, boot id:/);
  });
});
