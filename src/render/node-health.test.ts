import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createColors } from 'picocolors';
import { evaluateNodeHealth } from '../domain/nodes/health.ts';
import { humanDuration } from './duration.ts';
import { clockNote, formatBytes, formatMilliCpu, nodeHealthDocument, renderNodeHealth, renderNodeList, type HealthView } from './node-health.ts';

const NOW = new Date('2025-06-01T12:00:00Z');
const plain = createColors(false);
const coloured = createColors(true);

function view(ready: string, leaseSecondsAgo: number): HealthView {
  const report = evaluateNodeHealth({
    node: {
      metadata: { name: 'w1', creationTimestamp: new Date(NOW.getTime() - 3 * 86_400_000).toISOString(), labels: { 'node-role.kubernetes.io/worker': '' } },
      spec: { unschedulable: true },
      status: {
        allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: ready, reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: new Date(NOW.getTime() - 60_000).toISOString() }],
        nodeInfo: { kubeletVersion: 'v1.35.1' },
      },
    },
    lease: { metadata: { name: 'w1' }, spec: { renewTime: new Date(NOW.getTime() - leaseSecondsAgo * 1000).toISOString() } },
    pods: [],
    server: { major: 1, minor: 35 },
    now: NOW,
  });
  return { reports: [report], serverVersion: 'v1.35.0', observedAt: NOW, clock: 'server', heartbeatsAheadSeconds: 0, healthy: report.healthy };
}

test('ages print as kubectl prints them', () => {
  assert.deepEqual([0, 59, 119, 120, 185, 600, 11_000, 7200, 30_000, 172_800, 180_000, 3_000_000, 40_000_000].map(humanDuration), ['0s', '59s', '119s', '2m', '3m5s', '10m', '3h3m', '120m', '8h', '2d', '2d2h', '34d', '462d']);
  assert.equal(humanDuration(-5), '<invalid>');
});

test('amounts print short', () => {
  assert.equal(formatMilliCpu(2000), '2');
  assert.equal(formatMilliCpu(350), '350m');
  assert.equal(formatBytes(170 * 2 ** 20), '170Mi');
  assert.equal(formatBytes(3861 * 2 ** 20), '3.8Gi');
  assert.equal(formatBytes(100), '100');
});

test('a healthy node: no problems, the summary says so', () => {
  const out = renderNodeHealth(view('True', 3), 'table', plain);
  assert.match(out, /^NAME\s+STATUS\s+ROLES\s+VERSION\s+SKEW\s+LEASE/);
  assert.match(out, /w1\s+Ready,SchedulingDisabled\s+worker\s+v1\.35\.1\s+=\s+3s\s+60s\s+<none>\s+0%\s+0%\s+0\/110\s+<none>\n/);
  assert.match(out, /\nthe node is healthy \(API server v1\.35\.0\)\n$/);
  assert.match(renderNodeList(view('True', 3), 'table', plain), /w1\s+Ready,SchedulingDisabled\s+worker\s+3d\s+v1\.35\.1\s+3s/);
});

test('problems: a PROBLEMS column and a list in plain output, red on a terminal', () => {
  const sick = view('Unknown', 52);
  const out = renderNodeHealth(sick, 'table', plain);
  assert.match(out, /w1\s+Unknown,SchedulingDisabled\s.*\s52s\s.*Unknown,StaleLease\n/);
  assert.match(out, /1 of 1 node has problems \(API server v1\.35\.0\):\n {2}NODE\s+PROBLEM\s+DETAIL\n {2}w1\s+Unknown\s+Ready is Unknown/);
  assert.match(out, /\n {2}w1\s+StaleLease\s+Lease not renewed for 52s \(more than 40s\)/);
  assert.ok(!out.includes('\u001b['));
  const red = renderNodeHealth(sick, 'table', coloured);
  assert.ok(red.includes(coloured.red('Unknown')));
  assert.ok(red.includes(coloured.red('52s')));
});

test('json: a structured report per node; the clock note only when heartbeats run ahead', () => {
  const document = nodeHealthDocument(view('True', 3)) as any;
  assert.equal(document.kind, 'NodeHealthList');
  assert.equal(document.items[0].kind, 'NodeHealth');
  assert.equal(document.items[0].heartbeat.leaseAgeSeconds, 3);
  assert.equal(document.observedAt, NOW.toISOString());
  assert.equal(clockNote(view('True', 3)), '');
  assert.match(clockNote({ ...view('True', 3), heartbeatsAheadSeconds: 300 }), /up to 5m ahead of the API server's clock/);
});
