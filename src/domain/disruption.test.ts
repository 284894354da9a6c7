import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from './object.ts';
import {
  countHealthyPods,
  disruptionsAllowed,
  evaluateBudget,
  expectedPodCount,
  lookupFromObjects,
  pendingDisruptions,
  podsCoveredBy,
  scaledValue,
  setCondition,
  DELETION_TIMEOUT_MS,
} from './disruption.ts';

const NOW = new Date('2024-05-01T12:00:00Z');

function owner(kind: string, name: string, uid: string, apiVersion = 'apps/v1') {
  return { apiVersion, kind, name, uid, controller: true, blockOwnerDeletion: true };
}

function pod(name: string, options: { ready?: boolean; labels?: Record<string, string>; owner?: ReturnType<typeof owner>; deleting?: boolean; namespace?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: options.namespace ?? 'default',
      uid: `uid-${name}`,
      labels: options.labels ?? { app: 'web' },
      ...(options.owner ? { ownerReferences: [options.owner] } : {}),
      ...(options.deleting ? { deletionTimestamp: '2024-05-01T11:59:50Z' } : {}),
    },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }] },
  };
}

function workload(kind: string, name: string, replicas: number, extra: Partial<KubeObject['metadata']> = {}, apiVersion = 'apps/v1'): KubeObject {
  return { apiVersion, kind, metadata: { name, namespace: 'default', uid: `uid-${name}`, ...extra }, spec: { replicas } };
}

function pdb(spec: Record<string, unknown>, status: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'budget', namespace: 'default', generation: 3 }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, status };
}

test('scaledValue: ints as they are, percentages rounded up or down, anything else an error', () => {
  assert.equal(scaledValue(3, 10, true), 3);
  assert.equal(scaledValue('50%', 5, true), 3);
  assert.equal(scaledValue('50%', 5, false), 2);
  assert.equal(scaledValue('10%', 30, true), 3);
  assert.equal(scaledValue('100%', 7, true), 7);
  assert.equal(scaledValue('0%', 7, true), 0);
  assert.throws(() => scaledValue('3', 10, true), /string is not a percentage/);
  assert.throws(() => scaledValue('x%', 10, true), /invalid value "x%"/);
  assert.throws(() => scaledValue(undefined, 10, true), /nil value/);
});

test('selector: {} covers every pod of the namespace, a missing selector none, other namespaces never', () => {
  const pods = [pod('a'), pod('b', { labels: { app: 'db' } }), pod('c', { namespace: 'other' })];
  assert.deepEqual(podsCoveredBy(pdb({ selector: {} }), pods).map((p) => p.metadata.name), ['a', 'b']);
  assert.deepEqual(podsCoveredBy(pdb({ selector: null }), pods), []);
  const noSelector = pdb({});
  delete noSelector.spec.selector;
  assert.deepEqual(podsCoveredBy(noSelector, pods), []);
  assert.deepEqual(podsCoveredBy(pdb({}), pods).map((p) => p.metadata.name), ['a']);
});

// a Deployment "web" (5 replicas) running ReplicaSet web-1 with three pods, plus a StatefulSet "db" of 2
const deployment = workload('Deployment', 'web', 5);
const replicaSet = workload('ReplicaSet', 'web-1', 5, { ownerReferences: [owner('Deployment', 'web', 'uid-web')] });
const statefulSet = workload('StatefulSet', 'db', 2);
const lookup = lookupFromObjects([deployment, replicaSet, statefulSet]);
const webPods = [1, 2, 3].map((i) => pod(`web-${i}`, { owner: owner('ReplicaSet', 'web-1', 'uid-web-1') }));

test('minAvailable as a number expects the matching pods', () => {
  assert.deepEqual(expectedPodCount({ minAvailable: 2 }, webPods, lookup), { expectedCount: 3, desiredHealthy: 2, unmanagedPods: [] });
});

test('percentages and maxUnavailable expect the scale of the controllers (a Deployment through its ReplicaSet)', () => {
  assert.deepEqual(expectedPodCount({ minAvailable: '50%' }, webPods, lookup), { expectedCount: 5, desiredHealthy: 3, unmanagedPods: [] });
  assert.deepEqual(expectedPodCount({ maxUnavailable: 1 }, webPods, lookup), { expectedCount: 5, desiredHealthy: 4, unmanagedPods: [] });
  assert.deepEqual(expectedPodCount({ maxUnavailable: '30%' }, webPods, lookup), { expectedCount: 5, desiredHealthy: 3, unmanagedPods: [] });
  const both = [...webPods, pod('db-0', { owner: owner('StatefulSet', 'db', 'uid-db') })];
  assert.equal(expectedPodCount({ maxUnavailable: 1 }, both, lookup).expectedCount, 7);
});

test('a ReplicaSet without a Deployment, a ReplicationController, and a ReplicaSet whose Deployment is gone', () => {
  const bareRs = workload('ReplicaSet', 'solo', 4);
  const rc = workload('ReplicationController', 'old', 3, {}, 'v1');
  const orphanedRs = workload('ReplicaSet', 'left', 6, { ownerReferences: [owner('Deployment', 'gone', 'uid-gone')] });
  const objects = lookupFromObjects([bareRs, rc, orphanedRs]);
  assert.equal(expectedPodCount({ maxUnavailable: 0 }, [pod('s', { owner: owner('ReplicaSet', 'solo', 'uid-solo') })], objects).expectedCount, 4);
  assert.equal(expectedPodCount({ maxUnavailable: 0 }, [pod('o', { owner: owner('ReplicationController', 'old', 'uid-old', 'v1') })], objects).expectedCount, 3);
  assert.equal(expectedPodCount({ maxUnavailable: 0 }, [pod('l', { owner: owner('ReplicaSet', 'left', 'uid-left') })], objects).expectedCount, 6);
});

test('unmanaged pods are reported, not counted; a pod whose controller is missing or has no scale fails', () => {
  const result = expectedPodCount({ maxUnavailable: 1 }, [...webPods, pod('bare')], lookup);
  assert.deepEqual(result, { expectedCount: 5, desiredHealthy: 4, unmanagedPods: ['bare'] });
  assert.throws(() => expectedPodCount({ minAvailable: '50%' }, [pod('x', { owner: owner('ReplicaSet', 'nope', 'uid-nope') })], lookup), /found no controllers for pod "x"/);
  assert.throws(() => expectedPodCount({ maxUnavailable: 1 }, [pod('d', { owner: owner('DaemonSet', 'ds', 'uid-ds') })], lookup), /daemonsets.apps does not implement the scale subresource/);
  // a stale uid (the controller was recreated) is not the pod's controller
  assert.throws(() => expectedPodCount({ maxUnavailable: 1 }, [pod('y', { owner: owner('StatefulSet', 'db', 'uid-other') })], lookup), /found no controllers/);
});

test('healthy pods: Ready, not terminating, not evicted in the last two minutes', () => {
  const pods = [pod('a'), pod('b', { ready: false }), pod('c', { deleting: true }), pod('d'), pod('e')];
  const disrupted = { d: '2024-05-01T11:59:00Z', e: '2024-05-01T11:57:00Z' };
  assert.equal(countHealthyPods(pods, disrupted, NOW.getTime()), 2);
});

test('pending disruptions: expired, terminating and vanished entries are dropped; the next expiry is reported', () => {
  const pods = [pod('a'), pod('b'), pod('c', { deleting: true })];
  const result = pendingDisruptions(pods, { a: '2024-05-01T11:59:00Z', b: '2024-05-01T11:50:00Z', c: '2024-05-01T11:59:30Z', gone: '2024-05-01T11:59:30Z' }, NOW.getTime());
  assert.deepEqual(result.disruptedPods, { a: '2024-05-01T11:59:00Z' });
  assert.deepEqual(result.notDeleted, ['b']);
  assert.equal(result.recheckAt, Date.parse('2024-05-01T11:59:00Z') + DELETION_TIMEOUT_MS);
});

test('disruptionsAllowed is never negative and nothing while no pods are expected', () => {
  assert.equal(disruptionsAllowed(3, 2, 3), 1);
  assert.equal(disruptionsAllowed(1, 2, 3), 0);
  assert.equal(disruptionsAllowed(3, 0, 0), 0);
});

test('evaluateBudget: the status a PDB should have, with its DisruptionAllowed condition', () => {
  const result = evaluateBudget(pdb({ minAvailable: 2 }), webPods, lookup, NOW);
  assert.deepEqual(result.status, {
    disruptionsAllowed: 1,
    currentHealthy: 3,
    desiredHealthy: 2,
    expectedPods: 3,
    observedGeneration: 3,
    conditions: [{ type: 'DisruptionAllowed', status: 'True', reason: 'SufficientPods', message: '', observedGeneration: 3, lastTransitionTime: '2024-05-01T12:00:00Z' }],
  });
  assert.equal(result.error, undefined);
});

test('maxUnavailable 0 and minAvailable 100% allow nothing', () => {
  for (const spec of [{ maxUnavailable: 0 }, { maxUnavailable: '0%' }, { minAvailable: '100%' }, { minAvailable: 5 }]) {
    const { status } = evaluateBudget(pdb(spec), [1, 2, 3, 4, 5].map((i) => pod(`web-${i}`, { owner: owner('ReplicaSet', 'web-1', 'uid-web-1') })), lookup, NOW);
    assert.equal(status.disruptionsAllowed, 0, JSON.stringify(spec));
    assert.equal(status.conditions?.[0].reason, 'InsufficientPods');
  }
});

test('an unready pod lowers currentHealthy; an evicted one still pending counts as gone', () => {
  const pods = [pod('web-1', { ready: false }), ...webPods.slice(1)];
  assert.equal(evaluateBudget(pdb({ minAvailable: 2 }), pods, lookup, NOW).status.disruptionsAllowed, 0);
  const evicted = evaluateBudget(pdb({ minAvailable: 1 }, { disruptedPods: { 'web-2': '2024-05-01T11:59:30Z' } }), webPods, lookup, NOW);
  assert.equal(evicted.status.currentHealthy, 2);
  assert.deepEqual(evicted.status.disruptedPods, { 'web-2': '2024-05-01T11:59:30Z' });
  assert.equal(evicted.recheckAt, Date.parse('2024-05-01T12:01:30Z'));
});

test('a failed computation allows nothing and says why (SyncFailed), keeping the rest of the status', () => {
  const stale = pdb({ maxUnavailable: 1 }, { disruptionsAllowed: 2, currentHealthy: 3, desiredHealthy: 1, expectedPods: 3, observedGeneration: 2 });
  const result = evaluateBudget(stale, [pod('x', { owner: owner('ReplicaSet', 'nope', 'uid-nope') })], lookup, NOW);
  assert.equal(result.status.disruptionsAllowed, 0);
  assert.equal(result.status.currentHealthy, 3);
  assert.deepEqual(result.status.conditions?.[0], { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: 'found no controllers for pod "x"', observedGeneration: 2, lastTransitionTime: '2024-05-01T12:00:00Z' });
  assert.match(result.error ?? '', /^Failed to calculate the number of expected pods/);
});

test('setCondition keeps the transition time unless the status flips', () => {
  const first = setCondition(undefined, { type: 'X', status: 'True', reason: 'A', message: '' }, 't1');
  const same = setCondition(first, { type: 'X', status: 'True', reason: 'B', message: 'm' }, 't2');
  assert.equal(same[0].lastTransitionTime, 't1');
  assert.equal(same[0].reason, 'B');
  const flipped = setCondition(same, { type: 'X', status: 'False', reason: 'C', message: '' }, 't3');
  assert.equal(flipped[0].lastTransitionTime, 't3');
});
