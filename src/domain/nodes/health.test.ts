import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.ts';
import { ageSeconds, evaluateCluster, evaluateNodeHealth, nodeRoles, referenceTime } from './health.ts';

const NOW = new Date('2025-06-01T12:00:00Z');
const at = (secondsAgo: number): string => new Date(NOW.getTime() - secondsAgo * 1000).toISOString();
const server = { major: 1, minor: 35 };

function node(name: string, overrides: { ready?: string; conditions?: any[]; labels?: Record<string, string>; spec?: any; kubelet?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: overrides.labels ?? {}, creationTimestamp: at(86_400) },
    spec: overrides.spec ?? {},
    status: {
      capacity: { cpu: '2', memory: '4Gi', pods: '110' },
      allocatable: { cpu: '1900m', memory: '3Gi', pods: '110' },
      conditions: overrides.conditions ?? [
        { type: 'MemoryPressure', status: 'False', reason: 'KubeletHasSufficientMemory' },
        { type: 'DiskPressure', status: 'False' },
        { type: 'PIDPressure', status: 'False' },
        { type: 'Ready', status: overrides.ready ?? 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: at(30), lastTransitionTime: at(3600) },
      ],
      addresses: [{ type: 'InternalIP', address: '192.168.31.3' }, { type: 'Hostname', address: name }],
      nodeInfo: { kubeletVersion: overrides.kubelet ?? 'v1.35.0', osImage: 'CentOS Linux 7 (Core)', kernelVersion: '3.10.0', containerRuntimeVersion: 'containerd://1.6.24', operatingSystem: 'linux', architecture: 'amd64' },
    },
  };
}

function lease(name: string, secondsAgo: number): KubeObject {
  return { metadata: { name, namespace: 'kube-node-lease' }, spec: { holderIdentity: name, leaseDurationSeconds: 40, renewTime: at(secondsAgo).replace('Z', '000Z') } };
}

function pod(name: string, nodeName: string, requests: Record<string, string>, phase = 'Running'): KubeObject {
  return { metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', resources: { requests } }] }, status: { phase } };
}

test('a Ready node with a fresh Lease and a supported kubelet is healthy; requests add up over non-terminal pods', () => {
  const report = evaluateNodeHealth({
    node: node('w1', { labels: { 'node-role.kubernetes.io/worker': '' } }),
    lease: lease('w1', 5),
    pods: [pod('a', 'w1', { cpu: '500m', memory: '1Gi' }), pod('b', 'w1', { cpu: '450m' }), pod('done', 'w1', { cpu: '1' }, 'Succeeded')],
    server,
    now: NOW,
  });
  assert.equal(report.status, 'Ready');
  assert.deepEqual(report.roles, ['worker']);
  assert.equal(report.healthy, true);
  assert.deepEqual(report.problems, []);
  assert.equal(report.heartbeat.leaseAgeSeconds, 5);
  assert.equal(report.heartbeat.statusAgeSeconds, 30);
  assert.deepEqual(report.resources.cpu, { capacity: 2000, allocatable: 1900, requested: 950, requestedPercent: 50 });
  assert.deepEqual(report.resources.memory, { capacity: 4 * 2 ** 30, allocatable: 3 * 2 ** 30, requested: 2 ** 30, requestedPercent: 33 });
  assert.deepEqual(report.resources.pods, { capacity: 110, allocatable: 110, requested: 2, requestedPercent: 2 });
  assert.equal(report.podCount, 2);
  assert.equal(report.skew.verdict, 'same');
  assert.equal(report.system.kernelVersion, '3.10.0');
  assert.deepEqual(report.addresses[0], { type: 'InternalIP', address: '192.168.31.3' });
});

test('a Lease older than 40 s and an Unknown Ready condition are problems, each with the reason', () => {
  const report = evaluateNodeHealth({
    node: node('k8s-node1', { conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: at(55) }] }),
    lease: lease('k8s-node1', 41),
    pods: [],
    server,
    now: NOW,
  });
  assert.equal(report.status, 'Unknown');
  assert.deepEqual(report.problems.map((p) => p.type), ['Unknown', 'StaleLease']);
  assert.equal(report.problems[0].message, 'Ready is Unknown (NodeStatusUnknown: Kubelet stopped posting node status.)');
  assert.match(report.problems[1].message, /Lease not renewed for 41s \(more than 40s\)/);
  assert.equal(report.healthy, false);
  // exactly 40 s is not yet stale
  assert.deepEqual(evaluateNodeHealth({ node: node('x'), lease: lease('x', 40), pods: [], server, now: NOW }).problems, []);
});

test('NotReady, pressure conditions, NetworkUnavailable, a missing Lease and skew are flagged; cordon and taints are reported, not flagged', () => {
  const report = evaluateNodeHealth({
    node: node('w2', {
      kubelet: 'v1.27.0',
      spec: { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: at(10) }] },
      conditions: [
        { type: 'NetworkUnavailable', status: 'True', reason: 'NoRouteCreated' },
        { type: 'MemoryPressure', status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' },
        { type: 'DiskPressure', status: 'True' },
        { type: 'PIDPressure', status: 'True' },
        { type: 'Ready', status: 'False', reason: 'KubeletNotReady', message: 'container runtime is down' },
      ],
    }),
    pods: [],
    server,
    now: NOW,
  });
  assert.equal(report.status, 'NotReady');
  assert.equal(report.cordoned, true);
  assert.deepEqual(report.taints, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: at(10) }]);
  assert.deepEqual(report.problems.map((p) => p.type), ['NotReady', 'NoLease', 'MemoryPressure', 'DiskPressure', 'PIDPressure', 'NetworkUnavailable', 'VersionSkew']);
  assert.equal(report.problems[0].message, 'Ready is False (KubeletNotReady: container runtime is down)');
  assert.equal(report.problems[2].message, 'MemoryPressure is True (KubeletHasInsufficientMemory: kubelet has insufficient memory available)');
  assert.match(report.problems[6].message, /8 minor versions behind/);
  const cordonedOnly = evaluateNodeHealth({ node: node('w3', { spec: { unschedulable: true } }), lease: lease('w3', 1), pods: [], server, now: NOW });
  assert.equal(cordonedOnly.healthy, true);
});

test('a node without a Ready condition is Unknown', () => {
  const report = evaluateNodeHealth({ node: node('bare', { conditions: [] }), lease: lease('bare', 1), pods: [], server, now: NOW });
  assert.equal(report.status, 'Unknown');
  assert.match(report.problems[0].message, /never posted a status/);
});

test('roles come from node-role labels and kubernetes.io/role, sorted', () => {
  assert.deepEqual(nodeRoles({ metadata: { labels: { 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'master', 'node-role.kubernetes.io/': 'x' } } }), ['control-plane', 'master']);
  assert.deepEqual(nodeRoles({ metadata: {} }), []);
});

test('ages never go negative; the reference time moves forward to a renewal in its future', () => {
  assert.equal(ageSeconds(at(-30), NOW), 0);
  assert.equal(ageSeconds('not a time', NOW), undefined);
  const ahead = { metadata: { name: 'a' }, spec: { renewTime: new Date(NOW.getTime() + 90_500).toISOString() } };
  const ref = referenceTime(NOW, [lease('b', 3), ahead]);
  assert.equal(ref.now.getTime(), NOW.getTime() + 90_500);
  assert.equal(ref.aheadSeconds, 90);
  assert.deepEqual(referenceTime(NOW, [lease('b', 3)]), { now: NOW, aheadSeconds: 0 });
});

test('the cluster view matches pods and Leases to their nodes', () => {
  const reports = evaluateCluster({
    nodes: [node('m', { labels: { 'node-role.kubernetes.io/control-plane': '' } }), node('w')],
    leases: [lease('m', 2), lease('w', 100)],
    pods: [pod('a', 'w', { cpu: '100m' }), pod('b', 'm', { cpu: '200m' }), pod('pending', '', { cpu: '1' })],
    server,
    now: NOW,
  });
  assert.deepEqual(reports.map((r) => [r.name, r.resources.cpu.requested, r.healthy]), [['m', 200, true], ['w', 100, false]]);
});
