// The workload controllers' pure rules: rollout arithmetic, naming, deletion order, revisions, eligibility, schedules.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../domain/object.ts';
import { computeHash, podGenerateName, samePodInfo, scaledValue, summarizePod, type PodInfo } from './workload-support.ts';
import { deploymentComplete, equalIgnoreHash, maxSurge, maxUnavailable, newRSNewReplicas, proportionalSizes, resolveFenceposts, setNewReplicaSetAnnotations } from './deployment.ts';
import { rankPodsForDeletion } from './replicaset.ts';
import { claimName, ordinalOf, statefulSetPod } from './statefulset.ts';
import { daemonPodTolerations, nodeShouldRunDaemonPod, pinToNode } from './daemonset.ts';
import { jobBackoffMs, wantedActive } from './job.ts';
import { jobNameFor, mostRecentScheduleTime, parseSchedule } from './cronjob.ts';

const deploy = (replicas: number, maxSurgeValue: number | string, maxUnavailableValue: number | string, extra: any = {}): KubeObject => ({
  metadata: { name: 'd', generation: 1, ...extra.metadata },
  spec: { replicas, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: maxSurgeValue, maxUnavailable: maxUnavailableValue } } },
  status: extra.status,
});
const rs = (name: string, replicas: number, extra: any = {}): KubeObject => ({ metadata: { name, creationTimestamp: extra.created ?? '2024-01-01T00:00:00Z', annotations: extra.annotations }, spec: { replicas }, status: extra.status });

describe('rollout arithmetic', () => {
  it('percentages: surge rounds up, unavailable down', () => {
    assert.equal(scaledValue('25%', 10, true), 3);
    assert.equal(scaledValue('25%', 10, false), 2);
    assert.equal(scaledValue(2, 10, true), 2);
    assert.equal(scaledValue('0%', 10, true), 0);
    assert.throws(() => scaledValue('abc', 10, true), /not a percentage/);
  });

  it('ResolveFenceposts: both zero means one unavailable', () => {
    assert.deepEqual(resolveFenceposts(0, 0, 3), { surge: 0, unavailable: 1 });
    assert.deepEqual(resolveFenceposts('25%', '25%', 1), { surge: 1, unavailable: 0 });
    assert.deepEqual(resolveFenceposts('50%', '50%', 5), { surge: 3, unavailable: 2 });
  });

  it('maxUnavailable is capped at replicas and zero for Recreate', () => {
    assert.equal(maxUnavailable(deploy(2, 0, 5)), 2);
    assert.equal(maxUnavailable({ metadata: {}, spec: { replicas: 3, strategy: { type: 'Recreate' } } }), 0);
    assert.equal(maxSurge({ metadata: {}, spec: { replicas: 3, strategy: { type: 'Recreate' } } }), 0);
  });

  it('the new ReplicaSet grows within replicas + maxSurge', () => {
    const d = deploy(10, '25%', '25%');
    const old = rs('old', 10);
    const fresh = rs('new', 0);
    assert.equal(newRSNewReplicas(d, [old, fresh], fresh), 3);
    const grown = rs('new', 3);
    assert.equal(newRSNewReplicas(d, [rs('old', 8), grown], grown), 5);
    assert.equal(newRSNewReplicas(d, [rs('old', 10), grown], grown), 3, 'no room above 13');
  });

  it('deploymentComplete needs every replica updated and available at the observed generation', () => {
    const d = deploy(3, 1, 0);
    assert.equal(deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }), true);
    assert.equal(deploymentComplete(d, { replicas: 4, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 1 }), false);
    assert.equal(deploymentComplete(d, { replicas: 3, updatedReplicas: 3, availableReplicas: 3, observedGeneration: 0 }), false);
  });

  it('proportional scaling splits added replicas by size, leftovers to the largest', () => {
    const d = deploy(20, 3, 0, { status: { replicas: 13 } });
    const a = rs('a', 8, { created: '2024-01-01T00:00:00Z', annotations: { 'deployment.kubernetes.io/max-replicas': '13' } });
    const b = rs('b', 5, { created: '2024-01-02T00:00:00Z', annotations: { 'deployment.kubernetes.io/max-replicas': '13' } });
    const sizes = proportionalSizes(d, [a, b]);
    assert.equal((sizes.get('a') ?? 0) + (sizes.get('b') ?? 0), 23);
    assert.equal(sizes.get('a'), 14);
    assert.equal(sizes.get('b'), 9);
  });
});

describe('revisions', () => {
  it('templates compare without the pod-template-hash label', () => {
    const t = { metadata: { labels: { app: 'x' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    assert.equal(equalIgnoreHash(t, { ...t, metadata: { labels: { app: 'x', 'pod-template-hash': 'abc' } } }), true);
    assert.equal(equalIgnoreHash(t, { ...t, spec: { containers: [{ name: 'c', image: 'j' }] } }), false);
  });

  it('the template hash is stable, key-order blind, changed by the collision count, in the safe alphabet', () => {
    const a = computeHash({ metadata: { labels: { a: '1', b: '2' } } });
    assert.equal(a, computeHash({ metadata: { labels: { b: '2', a: '1' } } }));
    assert.notEqual(a, computeHash({ metadata: { labels: { a: '1', b: '2' } } }, 1));
    assert.match(a, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  });

  it('a rolled-back ReplicaSet takes the next revision and remembers the old one', () => {
    const d: KubeObject = { metadata: { name: 'd', annotations: { 'kubernetes.io/change-cause': 'undo', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } }, spec: { replicas: 2 } };
    const old = rs('old', 0, { annotations: { 'deployment.kubernetes.io/revision': '1' } });
    assert.equal(setNewReplicaSetAnnotations(d, old, '3', true), true);
    assert.equal(old.metadata.annotations?.['deployment.kubernetes.io/revision'], '3');
    assert.equal(old.metadata.annotations?.['deployment.kubernetes.io/revision-history'], '1');
    assert.equal(old.metadata.annotations?.['kubernetes.io/change-cause'], 'undo');
    assert.equal(old.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'], undefined);
    assert.equal(setNewReplicaSetAnnotations(d, old, '3', true), false, 'idempotent');
  });
});

describe('pod naming', () => {
  it('generateName is "<owner>-", cut to leave room for 5 random characters', () => {
    assert.equal(podGenerateName('web-7d9f'), 'web-7d9f-');
    assert.equal(podGenerateName('x'.repeat(70)).length, 58);
  });

  it('StatefulSet ordinals and claims', () => {
    assert.equal(ordinalOf('web', 'web-0'), 0);
    assert.equal(ordinalOf('web', 'web-12'), 12);
    assert.equal(ordinalOf('web', 'web-01'), -1);
    assert.equal(ordinalOf('web', 'web-x-1'), -1);
    assert.equal(ordinalOf('web', 'webby-1'), -1);
    assert.equal(claimName('data', 'web', 2), 'data-web-2');
    const set: KubeObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', namespace: 'ns', uid: 'u' }, spec: { serviceName: 'svc', volumeClaimTemplates: [{ metadata: { name: 'data' } }] } };
    const pod = statefulSetPod(set, { metadata: { labels: { app: 'web' } }, spec: { containers: [], volumes: [{ name: 'data', emptyDir: {} }] } }, 2, 'web-abc');
    assert.equal(pod.metadata.name, 'web-2');
    assert.deepEqual(pod.metadata.labels, { app: 'web', 'statefulset.kubernetes.io/pod-name': 'web-2', 'apps.kubernetes.io/pod-index': '2', 'controller-revision-hash': 'web-abc' });
    assert.deepEqual(pod.spec.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-2' } }]);
    assert.equal(pod.spec.hostname, 'web-2');
    assert.equal(pod.spec.subdomain, 'svc');
  });
});

describe('scale-down ranking', () => {
  const pod = (name: string, extra: Partial<PodInfo>): PodInfo => ({
    uid: name, namespace: 'ns', name, labels: {}, deleting: false, phase: 'Running', ready: true, readySince: Date.parse('2024-01-01T00:00:00Z'),
    nodeName: 'n1', targetNode: 'n1', created: Date.parse('2024-01-01T00:00:00Z'), restarts: 0, deletionCost: 0, ...extra,
  });
  const now = Date.parse('2024-01-02T00:00:00Z');

  it('unscheduled, pending, unready, cheap, doubled-up, newer go first', () => {
    const pods = [
      pod('old-ready', { nodeName: 'n9' }),
      pod('unscheduled', { nodeName: '', phase: 'Pending', ready: false }),
      pod('pending', { phase: 'Pending', ready: false, nodeName: 'n3' }),
      pod('unready', { ready: false, nodeName: 'n4' }),
      pod('doubled-a', { nodeName: 'n1' }),
      pod('doubled-b', { nodeName: 'n1' }),
      pod('costly', { nodeName: 'n5', deletionCost: 100 }),
      pod('new-ready', { nodeName: 'n6', readySince: now - 1000, created: now - 2000 }),
    ];
    const order = rankPodsForDeletion(pods, now).map((p) => p.name);
    assert.deepEqual(order.slice(0, 3), ['unscheduled', 'pending', 'unready']);
    assert.deepEqual(order.slice(3, 5).sort(), ['doubled-a', 'doubled-b']);
    assert.equal(order[5], 'new-ready');
    assert.equal(order[6], 'old-ready');
    assert.equal(order[7], 'costly');
  });

  it('more restarts go before fewer', () => {
    const order = rankPodsForDeletion([pod('calm', { nodeName: 'a' }), pod('crashy', { nodeName: 'b', restarts: 5 })], now).map((p) => p.name);
    assert.deepEqual(order, ['crashy', 'calm']);
  });
});

describe('DaemonSet eligibility', () => {
  const node = (name: string, labels: Record<string, string> = {}, taints: any[] = []): any => ({ name, labels, taints });

  it('tolerations upstream adds, network-unavailable only with hostNetwork', () => {
    const keys = daemonPodTolerations({}).map((t) => t.key);
    assert.deepEqual(keys, ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable', 'node.kubernetes.io/disk-pressure', 'node.kubernetes.io/memory-pressure', 'node.kubernetes.io/pid-pressure', 'node.kubernetes.io/unschedulable']);
    assert.ok(daemonPodTolerations({ hostNetwork: true }).some((t) => t.key === 'node.kubernetes.io/network-unavailable'));
    assert.ok(daemonPodTolerations({}).every((t) => t.tolerationSeconds === undefined));
  });

  it('cordoned and NotReady nodes keep their daemons', () => {
    const cordoned = node('a', {}, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }]);
    assert.deepEqual(nodeShouldRunDaemonPod(cordoned, {}), { shouldRun: true, shouldContinueRunning: true });
  });

  it('an untolerated NoSchedule taint stops new daemons, NoExecute also evicts', () => {
    assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'gpu', effect: 'NoSchedule' }]), {}), { shouldRun: false, shouldContinueRunning: true });
    assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'gpu', effect: 'NoExecute' }]), {}), { shouldRun: false, shouldContinueRunning: false });
    assert.deepEqual(nodeShouldRunDaemonPod(node('a', {}, [{ key: 'gpu', value: 'x', effect: 'NoExecute' }]), { tolerations: [{ key: 'gpu', operator: 'Equal', value: 'x' }] }), { shouldRun: true, shouldContinueRunning: true });
  });

  it('nodeSelector and required node affinity', () => {
    assert.equal(nodeShouldRunDaemonPod(node('a', { disk: 'ssd' }), { nodeSelector: { disk: 'ssd' } }).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(node('a', { disk: 'hdd' }), { nodeSelector: { disk: 'ssd' } }).shouldRun, false);
    const affinity = (expressions: any[]): any => ({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: expressions }] } } } });
    assert.equal(nodeShouldRunDaemonPod(node('a', { cores: '8' }), affinity([{ key: 'cores', operator: 'Gt', values: ['4'] }])).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(node('a', { cores: '2' }), affinity([{ key: 'cores', operator: 'Gt', values: ['4'] }])).shouldRun, false);
    assert.equal(nodeShouldRunDaemonPod(node('a', {}), affinity([{ key: 'role', operator: 'DoesNotExist' }])).shouldRun, true);
    assert.equal(nodeShouldRunDaemonPod(node('a', { role: 'x' }), affinity([{ key: 'role', operator: 'NotIn', values: ['x'] }])).shouldRun, false);
  });

  it('pins a pod to its node through matchFields, keeping preferred terms', () => {
    const pinned = pinToNode({ nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1 }], requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [] }] } } }, 'n7');
    assert.deepEqual(pinned.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n7'] }] }]);
    assert.deepEqual(pinned.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution, [{ weight: 1 }]);
  });
});

describe('Jobs and CronJobs', () => {
  it('active pods wanted and backoff', () => {
    assert.equal(wantedActive(3, 10, 8), 2);
    assert.equal(wantedActive(3, 10, 0), 3);
    assert.equal(wantedActive(3, undefined, 0), 3);
    assert.equal(wantedActive(3, undefined, 1), 0);
    assert.deepEqual([0, 1, 2, 3, 10].map(jobBackoffMs), [0, 10_000, 20_000, 40_000, 360_000]);
  });

  it('schedules: five fields or descriptors, time zones, most recent time and missed runs', () => {
    assert.throws(() => parseSchedule('* * * *'));
    assert.throws(() => parseSchedule('0 * * * * *'));
    const hourly = parseSchedule('@hourly');
    const at = Date.parse('2024-03-01T10:30:00Z');
    assert.deepEqual(mostRecentScheduleTime(hourly, Date.parse('2024-03-01T09:00:00Z'), at), { scheduled: Date.parse('2024-03-01T10:00:00Z'), next: Date.parse('2024-03-01T11:00:00Z'), missed: 1 });
    assert.equal(mostRecentScheduleTime(hourly, Date.parse('2024-03-01T10:00:00Z'), at).scheduled, undefined);
    const everyMinute = parseSchedule('* * * * *');
    const far = mostRecentScheduleTime(everyMinute, Date.parse('2024-01-01T00:00:00Z'), at);
    assert.equal(far.scheduled, Date.parse('2024-03-01T10:30:00Z'));
    assert.ok(far.missed > 100);
    const tokyo = parseSchedule('CRON_TZ=Asia/Tokyo 0 9 * * *');
    assert.equal(tokyo.nextRun(new Date('2024-03-01T00:00:00Z'))?.toISOString(), '2024-03-02T00:00:00.000Z');
    assert.equal(jobNameFor('nightly', Date.parse('2024-03-01T10:00:00Z')), 'nightly-28488120');
  });
});

describe('pod summaries', () => {
  const pod = (status: any, labels: Record<string, string> = { app: 'web' }): KubeObject => ({
    metadata: { name: 'web-1', namespace: 'default', uid: 'u1', labels, creationTimestamp: '2024-01-01T00:00:00Z', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: 'rs1', controller: true }] },
    spec: { nodeName: 'n1', containers: [{ name: 'app' }] },
    status,
  });

  it("a kubelet's ContainerCreating status changes nothing its owner decides on; readiness and labels do", () => {
    const bound = summarizePod(pod({ phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'True' }] }));
    const creating = summarizePod(pod({ phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: 'app', restartCount: 0, state: { waiting: { reason: 'ContainerCreating' } } }] }));
    const running = summarizePod(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:02Z' }] }));
    assert.equal(samePodInfo(bound, creating), true);
    assert.equal(samePodInfo(creating, running), false);
    assert.equal(samePodInfo(running, summarizePod(pod({ phase: 'Running', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2024-01-01T00:00:02Z' }] }))), true);
    assert.equal(samePodInfo(bound, summarizePod(pod({ phase: 'Pending' }, { app: 'web', tier: 'front' }))), false);
    assert.equal(samePodInfo(bound, summarizePod(pod({ phase: 'Pending' }, {}))), false);
  });
});
