import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from './object.ts';
import {
  emptyHistory,
  groupPods,
  normalizeReplicas,
  podRequests,
  recordScale,
  replicasForAverageValue,
  replicasForUtilization,
  type PodMetric,
} from './hpa.ts';

const NOW = Date.parse('2024-05-01T12:00:00Z');
const LONG_AGO = '2024-05-01T11:00:00Z';

function pod(name: string, options: { cpu?: string | null; phase?: string; ready?: 'True' | 'False'; start?: string; transition?: string; deleting?: boolean } = {}): KubeObject {
  const requests = options.cpu === null ? {} : { cpu: options.cpu ?? '200m' };
  return {
    metadata: { name, namespace: 'default', ...(options.deleting ? { deletionTimestamp: LONG_AGO } : {}) },
    spec: { containers: [{ name: 'app', resources: { requests } }] },
    status: {
      phase: options.phase ?? 'Running',
      startTime: options.start ?? LONG_AGO,
      conditions: [{ type: 'Ready', status: options.ready ?? 'True', lastTransitionTime: options.transition ?? LONG_AGO }],
    },
  };
}

function metrics(values: Record<string, number>, timestampMs = NOW): Map<string, PodMetric> {
  return new Map(Object.entries(values).map(([name, milli]) => [name, { milli, timestampMs, windowMs: 10_000 }]));
}

test('the formula: ceil(current × utilization / target)', () => {
  const pods = [pod('a'), pod('b')];
  // 400m of 200m requested = 200% against 50%
  const result = replicasForUtilization({ currentReplicas: 2, resource: 'cpu', pods, metrics: metrics({ a: 400, b: 400 }), nowMs: NOW, targetUtilization: 50 });
  assert.deepEqual(result, { replicas: 8, utilization: 200, averageMilli: 400 });
  const down = replicasForUtilization({ currentReplicas: 2, resource: 'cpu', pods, metrics: metrics({ a: 20, b: 20 }), nowMs: NOW, targetUtilization: 50 });
  assert.equal(down.replicas, 1);
  assert.equal(down.utilization, 10);
});

test('within the 0.1 tolerance nothing changes', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  assert.equal(replicasForUtilization({ currentReplicas: 3, resource: 'cpu', pods, metrics: metrics({ a: 108, b: 108, c: 108 }), nowMs: NOW, targetUtilization: 50 }).replicas, 3);
  assert.equal(replicasForUtilization({ currentReplicas: 3, resource: 'cpu', pods, metrics: metrics({ a: 124, b: 124, c: 124 }), nowMs: NOW, targetUtilization: 50 }).replicas, 4);
});

test('averageValue targets divide the average usage by the target', () => {
  const pods = [pod('a'), pod('b')];
  const result = replicasForAverageValue({ currentReplicas: 2, resource: 'memory', pods, metrics: metrics({ a: 300_000, b: 500_000 }), nowMs: NOW, targetAverageMilli: 200_000 });
  assert.deepEqual(result, { replicas: 4, averageMilli: 400_000 });
});

test('missing metrics: counted as 100% of request on a scale-down, 0 on a scale-up', () => {
  const pods = [pod('a'), pod('b'), pod('c')];
  // a and b at 10%: scaling down, c (no metric) counts as using its whole request => (10+10+100)/3 = 40% of 50% target
  const down = replicasForUtilization({ currentReplicas: 3, resource: 'cpu', pods, metrics: metrics({ a: 20, b: 20 }), nowMs: NOW, targetUtilization: 50 });
  assert.equal(down.replicas, 3); // ceil(0.8 × 3) = 3: no change
  // a and b at 200%: scaling up, c counts as 0 => 133% / 50% = 2.67 → ceil(2.67 × 3) = 8
  const up = replicasForUtilization({ currentReplicas: 3, resource: 'cpu', pods, metrics: metrics({ a: 400, b: 400 }), nowMs: NOW, targetUtilization: 50 });
  assert.equal(up.replicas, 8);
});

test('unready pods: ignored on a scale-down, counted as 0 on a scale-up', () => {
  const pods = [pod('a'), pod('b', { phase: 'Pending' })];
  const up = replicasForUtilization({ currentReplicas: 2, resource: 'cpu', pods, metrics: metrics({ a: 400 }), nowMs: NOW, targetUtilization: 50 });
  // (400 + 0) / 400 requested = 100% → ratio 2 → ceil(2 × 2) = 4
  assert.equal(up.replicas, 4);
  const down = replicasForUtilization({ currentReplicas: 2, resource: 'cpu', pods, metrics: metrics({ a: 20 }), nowMs: NOW, targetUtilization: 50 });
  assert.equal(down.replicas, 1);
});

test('groupPods: terminating and failed ignored, pending unready, cpu samples of initializing pods unready', () => {
  const pods = [
    pod('deleting', { deleting: true }),
    pod('failed', { phase: 'Failed' }),
    pod('pending', { phase: 'Pending' }),
    pod('nometric'),
    pod('fresh', { start: '2024-05-01T11:59:00Z', transition: '2024-05-01T11:59:55Z' }),
    pod('neverready', { start: '2024-05-01T11:00:00Z', transition: '2024-05-01T11:00:10Z', ready: 'False' }),
    pod('ok'),
  ];
  const grouped = groupPods(pods, metrics({ deleting: 1, failed: 1, pending: 1, fresh: 1, neverready: 1, ok: 1 }), 'cpu', NOW);
  assert.deepEqual([...grouped.ignored].sort(), ['deleting', 'failed']);
  assert.deepEqual([...grouped.unready].sort(), ['fresh', 'neverready', 'pending']);
  assert.deepEqual([...grouped.missing], ['nometric']);
  assert.equal(grouped.readyPodCount, 1);
  // memory samples are not held back by readiness
  assert.equal(groupPods(pods, metrics({ fresh: 1, neverready: 1, ok: 1 }), 'memory', NOW).readyPodCount, 3);
});

test('errors: no pods, no usable metrics, a container without a request', () => {
  assert.throws(() => replicasForUtilization({ currentReplicas: 1, resource: 'cpu', pods: [], metrics: metrics({}), nowMs: NOW, targetUtilization: 50 }), /no pods returned by selector/);
  assert.throws(() => replicasForUtilization({ currentReplicas: 1, resource: 'cpu', pods: [pod('a')], metrics: metrics({}), nowMs: NOW, targetUtilization: 50 }), /did not receive metrics/);
  assert.throws(() => podRequests([pod('a', { cpu: null })], 'cpu'), /missing request for cpu in container app of Pod a/);
});

test('legacy normalization: min/max, scale-up limit max(2×, 4), 5 minute scale-down stabilization', () => {
  const base = { minReplicas: 1, maxReplicas: 10, history: emptyHistory(), nowMs: NOW };
  let result = normalizeReplicas({ ...base, currentReplicas: 1, desiredReplicas: 9 });
  assert.equal(result.replicas, 4);
  assert.deepEqual(result.scalingLimited, { status: 'True', reason: 'ScaleUpLimit', message: 'the desired replica count is increasing faster than the maximum scale rate' });
  result = normalizeReplicas({ ...base, currentReplicas: 8, desiredReplicas: 30 });
  assert.equal(result.replicas, 10);
  assert.equal(result.scalingLimited.reason, 'TooManyReplicas');
  result = normalizeReplicas({ ...base, minReplicas: 2, currentReplicas: 3, desiredReplicas: 1 });
  assert.equal(result.replicas, 2);
  assert.equal(result.scalingLimited.reason, 'TooFewReplicas');
  // a high recommendation two minutes ago holds a scale-down back; one six minutes ago does not
  const recent = { ...emptyHistory(), recommendations: [{ replicas: 6, atMs: NOW - 120_000 }] };
  result = normalizeReplicas({ ...base, currentReplicas: 6, desiredReplicas: 2, history: recent });
  assert.equal(result.replicas, 6);
  assert.equal(result.ableToScale.reason, 'ScaleDownStabilized');
  const old = { ...emptyHistory(), recommendations: [{ replicas: 6, atMs: NOW - 360_000 }] };
  result = normalizeReplicas({ ...base, currentReplicas: 6, desiredReplicas: 2, history: old });
  assert.equal(result.replicas, 2);
  assert.equal(result.ableToScale.reason, 'ReadyForNewScale');
  assert.deepEqual(result.history.recommendations, [{ replicas: 2, atMs: NOW }]);
});

test('behavior defaults: up by max(100%, 4 pods) per 15 s, counting what was added in the period', () => {
  const base = { minReplicas: 1, maxReplicas: 100, behavior: {}, nowMs: NOW };
  assert.equal(normalizeReplicas({ ...base, currentReplicas: 2, desiredReplicas: 50, history: emptyHistory() }).replicas, 6);
  assert.equal(normalizeReplicas({ ...base, currentReplicas: 10, desiredReplicas: 50, history: emptyHistory() }).replicas, 20);
  // 4 were added 5 s ago (2 -> 6): the period started at 2, so 6 is already the limit
  const history = recordScale(emptyHistory(), {}, 2, 6, NOW - 5_000);
  const held = normalizeReplicas({ ...base, currentReplicas: 6, desiredReplicas: 50, history });
  assert.equal(held.replicas, 6);
  assert.equal(held.scalingLimited.reason, 'ScaleUpLimit');
  // and 20 s later the period is over
  assert.equal(normalizeReplicas({ ...base, currentReplicas: 6, desiredReplicas: 50, history, nowMs: NOW + 20_000 }).replicas, 12);
});

test('behavior: scale-down waits out its stabilization window; policies can disable scaling', () => {
  const history = { ...emptyHistory(), recommendations: [{ replicas: 8, atMs: NOW - 60_000 }] };
  const base = { minReplicas: 1, maxReplicas: 10, nowMs: NOW, history };
  assert.equal(normalizeReplicas({ ...base, behavior: {}, currentReplicas: 8, desiredReplicas: 3 }).replicas, 8);
  assert.equal(normalizeReplicas({ ...base, behavior: { scaleDown: { stabilizationWindowSeconds: 30 } }, currentReplicas: 8, desiredReplicas: 3 }).replicas, 3);
  const limited = normalizeReplicas({ ...base, behavior: { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } }, currentReplicas: 8, desiredReplicas: 3 });
  assert.equal(limited.replicas, 7);
  assert.equal(limited.scalingLimited.reason, 'ScaleDownLimit');
  const disabled = normalizeReplicas({ ...base, behavior: { scaleUp: { selectPolicy: 'Disabled' } }, currentReplicas: 2, desiredReplicas: 5 });
  assert.equal(disabled.replicas, 2);
});
