import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpuMilli, imageDigestRef, memoryBytes, normalizeImage } from './annotations.ts';
import { buildNodeStatus, nodeIdentity, podCidrFor, statusFingerprint } from './node.ts';
import { buildPodStatus, podUsage, type PodRuntime } from './pods.ts';
import { evictionDelayMs, taintsForReady } from '../controllers/nodelifecycle.ts';
import { toleratesTaint } from '../../domain/placement.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

test('image names are normalized as containerd reports them', () => {
  assert.equal(normalizeImage('nginx'), 'docker.io/library/nginx:latest');
  assert.equal(normalizeImage('nginx:1.25'), 'docker.io/library/nginx:1.25');
  assert.equal(normalizeImage('calico/node:v3.26'), 'docker.io/calico/node:v3.26');
  assert.equal(normalizeImage('registry.k8s.io/etcd:3.5.9-0'), 'registry.k8s.io/etcd:3.5.9-0');
  assert.equal(normalizeImage('localhost:5000/app'), 'localhost:5000/app:latest');
  assert.match(imageDigestRef('docker.io/library/nginx:1.25'), /^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
});

test('quantities', () => {
  assert.equal(cpuMilli('250m'), 250);
  assert.equal(cpuMilli('2'), 2000);
  assert.equal(cpuMilli('0.5'), 500);
  assert.equal(memoryBytes('64Mi'), 64 * 2 ** 20);
  assert.equal(memoryBytes('1G'), 1e9);
  assert.equal(memoryBytes('512'), 512);
});

test('node status keeps what the node declares and defaults the rest; transitions keep their time', () => {
  const node = { metadata: { name: 'n1' }, status: { capacity: { cpu: '16' }, nodeInfo: { kubeletVersion: 'v1.27.0' }, addresses: [{ type: 'InternalIP', address: '192.168.1.10' }] } };
  const identity = nodeIdentity('n1', 0, undefined);
  const status = buildNodeStatus(node, identity, 'ready', [{ name: 'docker.io/library/nginx:1.25', sizeBytes: 10 }], T0);
  assert.equal(status.capacity.cpu, '16');
  assert.equal(status.capacity.memory, '8Gi');
  assert.equal(status.allocatable.cpu, '16');
  assert.equal(status.nodeInfo.kubeletVersion, 'v1.27.0');
  assert.match(status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/1\.7\./);
  assert.deepEqual(status.addresses, [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'Hostname', address: 'n1' }]);
  assert.equal(status.images[0].names[1], 'docker.io/library/nginx:1.25');
  assert.equal(status.conditions.find((c: any) => c.type === 'Ready').status, 'True');
  const later = buildNodeStatus({ ...node, status }, identity, 'ready', [{ name: 'docker.io/library/nginx:1.25', sizeBytes: 10 }], T0 + 10_000);
  assert.equal(later.conditions[3].lastTransitionTime, status.conditions[3].lastTransitionTime);
  assert.notEqual(later.conditions[3].lastHeartbeatTime, status.conditions[3].lastHeartbeatTime);
  assert.equal(statusFingerprint(later), statusFingerprint(status), 'only heartbeat times changed: no write due');
  const rebooting = buildNodeStatus({ ...node, status }, identity, 'rebooting', [], T0 + 20_000);
  assert.equal(rebooting.conditions[3].status, 'False');
  assert.equal(rebooting.conditions[3].lastTransitionTime, '2026-01-01T00:00:20Z');
});

test('pod CIDRs are distinct per node', () => {
  assert.equal(podCidrFor(0), '10.244.0.0/24');
  assert.equal(podCidrFor(3), '10.244.3.0/24');
  assert.equal(podCidrFor(256), '10.245.0.0/24');
  assert.equal(new Set(Array.from({ length: 5000 }, (_, i) => podCidrFor(i))).size, 5000);
});

test('pod status at each stage', () => {
  const pod = { metadata: { name: 'p', namespace: 'default', uid: 'u1' }, spec: { containers: [{ name: 'app', image: 'nginx' }] }, status: { phase: 'Pending', qosClass: 'BestEffort' } };
  const rt: PodRuntime = { stage: 'creating', restarts: 0, podIp: '10.244.0.2', hostIp: '172.16.0.10', startTime: T0 };
  const creating = buildPodStatus(pod, rt, T0);
  assert.equal(creating.phase, 'Pending');
  assert.equal(creating.qosClass, 'BestEffort');
  assert.equal(creating.containerStatuses[0].state.waiting.reason, 'ContainerCreating');
  assert.equal(creating.conditions.find((c: any) => c.type === 'PodScheduled').status, 'True');
  const running = buildPodStatus({ ...pod, status: creating }, { ...rt, stage: 'running', startedAt: T0 + 2000, readyDelays: [0] }, T0 + 2000);
  assert.equal(running.phase, 'Running');
  assert.equal(running.containerStatuses[0].ready, true);
  assert.equal(running.conditions.find((c: any) => c.type === 'Ready').status, 'True');
  assert.equal(running.containerStatuses[0].image, 'docker.io/library/nginx:latest');
  const crashing = buildPodStatus(pod, { ...rt, stage: 'crashBackoff', restarts: 2, backoffSeconds: 20, lastTerminated: { exitCode: 1, reason: 'Error', startedAt: T0, finishedAt: T0 + 3000 } }, T0 + 4000);
  assert.equal(crashing.containerStatuses[0].state.waiting.reason, 'CrashLoopBackOff');
  assert.match(crashing.containerStatuses[0].state.waiting.message, /^back-off 20s restarting failed container=app pod=p_default\(u1\)$/);
  assert.equal(crashing.containerStatuses[0].lastState.terminated.exitCode, 1);
  const done = buildPodStatus(pod, { ...rt, stage: 'completed', final: { exitCode: 2, reason: 'Error', startedAt: T0, finishedAt: T0 + 1000 } }, T0 + 1000);
  assert.equal(done.phase, 'Failed');
  assert.equal(done.conditions.find((c: any) => c.type === 'Ready').reason, 'PodCompleted');
});

test('usage stays below the requests and is the same on every run', () => {
  const pod = { metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'app', resources: { requests: { cpu: '200m', memory: '128Mi' } } }] } };
  const [usage] = podUsage(pod);
  assert.ok(usage.cpuMilli > 0 && usage.cpuMilli < 200);
  assert.ok(usage.memoryBytes > 0 && usage.memoryBytes < 128 * 2 ** 20);
  assert.deepEqual(podUsage(pod), [usage]);
});

test('taints and tolerations as the taint manager judges them', () => {
  const unreachable = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
  assert.deepEqual(taintsForReady('Unknown').map((t) => `${t.key}:${t.effect}`), ['node.kubernetes.io/unreachable:NoSchedule', 'node.kubernetes.io/unreachable:NoExecute']);
  assert.deepEqual(taintsForReady('True'), []);
  assert.equal(toleratesTaint({ operator: 'Exists' }, unreachable), true);
  assert.equal(toleratesTaint({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, unreachable), false);
  assert.equal(evictionDelayMs([], [unreachable]), 0);
  assert.equal(evictionDelayMs([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }], [unreachable]), 300_000);
  assert.equal(evictionDelayMs([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }], [unreachable]), -1);
  assert.equal(evictionDelayMs([{ operator: 'Exists', tolerationSeconds: 0 }], [unreachable]), 0);
});
