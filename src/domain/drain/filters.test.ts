import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject, OwnerReference } from '../object.ts';
import {
  DAEMONSET_FATAL,
  DAEMONSET_WARNING,
  LOCAL_STORAGE_FATAL,
  LOCAL_STORAGE_WARNING,
  UNMANAGED_FATAL,
  UNMANAGED_FATAL_V1_35,
  UNMANAGED_WARNING,
  aggregateError,
  decidePod,
  deletedLongAgo,
  drainFilters,
  filterPods,
  type DrainFilterOptions,
  type PodKind,
} from './filters.ts';

const NOW = new Date('2026-01-01T12:00:00Z');

function owner(kind: string, name: string, apiVersion = 'apps/v1'): OwnerReference {
  return { apiVersion, kind, name, uid: `uid-${kind}-${name}`, controller: true };
}

interface PodShape {
  owner?: OwnerReference;
  emptyDir?: boolean;
  mirror?: boolean;
  phase?: string;
  deletedAt?: string;
  namespace?: string;
}

function pod(name: string, shape: PodShape = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: shape.namespace ?? 'default',
      ...(shape.owner ? { ownerReferences: [shape.owner] } : {}),
      ...(shape.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'abc' } } : {}),
      ...(shape.deletedAt ? { deletionTimestamp: shape.deletedAt } : {}),
    },
    spec: { nodeName: 'n1', containers: [{ name: 'c' }], ...(shape.emptyDir ? { volumes: [{ name: 'scratch', emptyDir: {} }] } : {}) },
    status: { phase: shape.phase ?? 'Running' },
  };
}

const DAEMONSETS = new Set(['default/ds']);
const dsExists = (namespace: string, name: string): boolean => DAEMONSETS.has(`${namespace}/${name}`);

interface Expected {
  action: 'evict' | 'skip';
  warning?: string;
  error?: string;
}

interface Case {
  label: string;
  pod: KubeObject;
  kind: PodKind;
  expect: (o: Required<Pick<DrainFilterOptions, 'force' | 'ignoreDaemonSets' | 'deleteEmptyDirData'>>) => Expected;
}

const evict: Expected = { action: 'evict' };

// kubectl v1.35's filters.go, read by hand for each kind (not derived from the code under test)
const CASES: Case[] = [
  { label: 'DaemonSet-managed', pod: pod('ds-pod', { owner: owner('DaemonSet', 'ds') }), kind: 'daemonset', expect: (o) => (o.ignoreDaemonSets ? { action: 'skip', warning: DAEMONSET_WARNING } : { action: 'skip', error: DAEMONSET_FATAL }) },
  {
    label: 'DaemonSet-managed with emptyDir',
    pod: pod('ds-scratch', { owner: owner('DaemonSet', 'ds'), emptyDir: true }),
    kind: 'daemonset',
    expect: (o) => (o.ignoreDaemonSets ? { action: 'skip', warning: DAEMONSET_WARNING } : { action: 'skip', error: DAEMONSET_FATAL }),
  },
  // the NotFound warning under --force is overwritten by the mirror filter's okay
  { label: 'orphaned DaemonSet pod', pod: pod('orphan', { owner: owner('DaemonSet', 'gone') }), kind: 'orphaned-daemonset', expect: (o) => (o.force ? evict : { action: 'skip', error: 'daemonsets.apps "gone" not found' }) },
  {
    label: 'orphaned DaemonSet pod with emptyDir',
    pod: pod('orphan-scratch', { owner: owner('DaemonSet', 'gone'), emptyDir: true }),
    kind: 'orphaned-daemonset',
    expect: (o) => (!o.force ? { action: 'skip', error: 'daemonsets.apps "gone" not found' } : o.deleteEmptyDirData ? evict : { action: 'skip', error: LOCAL_STORAGE_FATAL }),
  },
  { label: 'mirror', pod: pod('kube-apiserver-n1', { owner: owner('Node', 'n1', 'v1'), mirror: true }), kind: 'mirror', expect: () => ({ action: 'skip' }) },
  { label: 'mirror without owner', pod: pod('static', { mirror: true }), kind: 'mirror', expect: () => ({ action: 'skip' }) },
  { label: 'ReplicationController', pod: pod('rc-pod', { owner: owner('ReplicationController', 'rc', 'v1') }), kind: 'managed', expect: () => evict },
  { label: 'ReplicaSet', pod: pod('rs-pod', { owner: owner('ReplicaSet', 'web-123') }), kind: 'managed', expect: () => evict },
  { label: 'StatefulSet', pod: pod('db-0', { owner: owner('StatefulSet', 'db') }), kind: 'managed', expect: () => evict },
  { label: 'Job', pod: pod('job-abc', { owner: owner('Job', 'job', 'batch/v1') }), kind: 'managed', expect: () => evict },
  { label: 'custom controller', pod: pod('custom', { owner: owner('Thing', 'x', 'example.com/v1') }), kind: 'managed', expect: () => evict },
  // the local storage warning is overwritten by the unreplicated filter's okay
  { label: 'ReplicaSet with emptyDir', pod: pod('rs-scratch', { owner: owner('ReplicaSet', 'web-123'), emptyDir: true }), kind: 'emptydir', expect: (o) => (o.deleteEmptyDirData ? evict : { action: 'skip', error: LOCAL_STORAGE_FATAL }) },
  { label: 'bare', pod: pod('bare'), kind: 'bare', expect: (o) => (o.force ? { action: 'evict', warning: UNMANAGED_WARNING } : { action: 'skip', error: UNMANAGED_FATAL_V1_35 }) },
  {
    label: 'bare with emptyDir',
    pod: pod('bare-scratch', { emptyDir: true }),
    kind: 'bare',
    expect: (o) => (!o.deleteEmptyDirData ? { action: 'skip', error: LOCAL_STORAGE_FATAL } : o.force ? { action: 'evict', warning: UNMANAGED_WARNING } : { action: 'skip', error: UNMANAGED_FATAL_V1_35 }),
  },
  { label: 'finished bare', pod: pod('done', { phase: 'Succeeded', emptyDir: true }), kind: 'finished', expect: () => evict },
  { label: 'failed DaemonSet pod', pod: pod('ds-failed', { owner: owner('DaemonSet', 'gone'), phase: 'Failed' }), kind: 'finished', expect: () => evict },
  { label: 'finished Job pod', pod: pod('job-done', { owner: owner('Job', 'job', 'batch/v1'), phase: 'Succeeded' }), kind: 'finished', expect: () => evict },
  { label: 'finished mirror', pod: pod('static-done', { mirror: true, phase: 'Succeeded' }), kind: 'mirror', expect: () => ({ action: 'skip' }) },
];

const FLAG_SETS = [false, true].flatMap((force) => [false, true].flatMap((ignoreDaemonSets) => [false, true].map((deleteEmptyDirData) => ({ force, ignoreDaemonSets, deleteEmptyDirData }))));

describe('kubectl drain filters: every pod kind x --force x --ignore-daemonsets x --delete-emptydir-data', () => {
  for (const flags of FLAG_SETS) {
    const label = Object.entries(flags).filter(([, on]) => on).map(([name]) => name).join('+') || 'no flags';
    it(label, () => {
      const filters = drainFilters(flags, dsExists, NOW);
      for (const c of CASES) {
        const decision = decidePod(c.pod, filters);
        const expected = c.expect(flags);
        assert.deepEqual(
          { action: decision.action, warning: decision.warning, error: decision.error },
          { action: expected.action, warning: expected.warning, error: expected.error },
          `${c.label} with ${label}`,
        );
        assert.equal(decision.kind, c.kind, `${c.label} kind`);
      }
    });
  }
});

describe('filterPods: kubectl messages', () => {
  it('groups errors per message as "cannot delete <msg>: ns/a, ns/b", aggregated in brackets', () => {
    const result = filterPods([pod('a'), pod('ds-1', { owner: owner('DaemonSet', 'ds') }), pod('b', { namespace: 'other' }), pod('web', { owner: owner('ReplicaSet', 'web') })], {}, dsExists, NOW);
    assert.deepEqual(result.errors, [
      'cannot delete cannot delete Pods that declare no controller (use --force to override): default/a, other/b',
      'cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/ds-1',
    ]);
    assert.equal(result.error, `[${result.errors[0]}, ${result.errors[1]}]`);
    assert.deepEqual(result.toEvict.map((d) => d.ref), ['default/web']);
  });

  it('offers upstream text without the doubled "cannot delete"', () => {
    const result = filterPods([pod('a')], { messages: 'upstream' }, dsExists, NOW);
    assert.equal(result.error, `cannot delete ${UNMANAGED_FATAL}: default/a`);
    assert.equal(result.error, 'cannot delete Pods that declare no controller (use --force to override): default/a');
  });

  it('a single error is printed as is', () => {
    const result = filterPods([pod('x', { owner: owner('ReplicaSet', 'r'), emptyDir: true })], {}, dsExists, NOW);
    assert.equal(result.error, 'cannot delete Pods with local storage (use --delete-emptydir-data to override): default/x');
  });

  it('joins warnings with "; " and keeps the DaemonSet warning of skipped pods', () => {
    const result = filterPods([pod('ds-1', { owner: owner('DaemonSet', 'ds') }), pod('bare-1'), pod('ds-2', { owner: owner('DaemonSet', 'ds') }), pod('bare-2')], { force: true, ignoreDaemonSets: true }, dsExists, NOW);
    assert.equal(result.error, undefined);
    assert.deepEqual(result.warnings, ['ignoring DaemonSet-managed Pods: default/ds-1, default/ds-2', 'deleting Pods that declare no controller: default/bare-1, default/bare-2']);
    assert.equal(result.warningText, 'ignoring DaemonSet-managed Pods: default/ds-1, default/ds-2; deleting Pods that declare no controller: default/bare-1, default/bare-2');
    assert.deepEqual(result.toEvict.map((d) => d.pod.metadata.name), ['bare-1', 'bare-2']);
    assert.deepEqual(result.skipped.map((d) => d.pod.metadata.name), ['ds-1', 'ds-2']);
  });

  it('keeps the warnings kubectl overwrites apart', () => {
    const orphan = decidePod(pod('o', { owner: owner('DaemonSet', 'gone') }), drainFilters({ force: true }, dsExists, NOW));
    assert.equal(orphan.warning, undefined);
    assert.deepEqual(orphan.dropped, ['daemonsets.apps "gone" not found']);
    const scratch = decidePod(pod('s', { owner: owner('ReplicaSet', 'r'), emptyDir: true }), drainFilters({ deleteEmptyDirData: true }, dsExists, NOW));
    assert.deepEqual(scratch.dropped, [LOCAL_STORAGE_WARNING]);
    assert.equal(scratch.emptyDir, true);
  });

  it('a failing DaemonSet lookup is the pod error, whatever the flags', () => {
    const failing = () => {
      throw new Error('Get "https://x/apis/apps/v1/namespaces/default/daemonsets/ds": dial tcp: connection refused');
    };
    const result = filterPods([pod('ds-1', { owner: owner('DaemonSet', 'ds') })], { force: true, ignoreDaemonSets: true }, failing, NOW);
    assert.equal(result.error, 'cannot delete Get "https://x/apis/apps/v1/namespaces/default/daemonsets/ds": dial tcp: connection refused: default/ds-1');
  });

  it('a DaemonSet controller other than apps/v1 is an ordinary controller, as kubectl v1.35 has it', () => {
    let lookups = 0;
    const counting = (namespace: string, name: string): boolean => (lookups++, dsExists(namespace, name));
    for (const apiVersion of ['extensions/v1beta1', 'apps/v1beta2']) {
      const result = filterPods([pod('x', { owner: owner('DaemonSet', 'gone', apiVersion) })], {}, counting, NOW);
      assert.deepEqual({ error: result.error, evict: result.toEvict.map((d) => d.ref), kind: result.pods[0].kind }, { error: undefined, evict: ['default/x'], kind: 'managed' }, apiVersion);
    }
    assert.equal(lookups, 0, 'no DaemonSet is looked up');
    const appsV1 = filterPods([pod('x', { owner: owner('DaemonSet', 'gone') })], {}, counting, NOW);
    assert.equal(appsV1.error, 'cannot delete daemonsets.apps "gone" not found: default/x');
  });

  it('an empty list is fine', () => {
    const result = filterPods([], {}, dsExists, NOW);
    assert.deepEqual({ errors: result.errors, error: result.error, warningText: result.warningText }, { errors: [], error: undefined, warningText: '' });
  });
});

describe('--skip-wait-for-delete-timeout', () => {
  const deletedAt = (secondsAgo: number) => new Date(NOW.getTime() - secondsAgo * 1000).toISOString();
  it('skips pods deleted more than N whole seconds ago, before any other filter', () => {
    const old = pod('old', { deletedAt: deletedAt(61) });
    const result = filterPods([old, pod('ds-1', { owner: owner('DaemonSet', 'ds'), deletedAt: deletedAt(100) })], { skipWaitForDeleteTimeoutSeconds: 60 }, dsExists, NOW);
    assert.equal(result.error, undefined);
    assert.deepEqual(result.pods.map((d) => [d.action, d.kind]), [['skip', 'deleted-long-ago'], ['skip', 'deleted-long-ago']]);
  });

  it('truncates to whole seconds and compares strictly', () => {
    assert.equal(deletedLongAgo(pod('p', { deletedAt: deletedAt(60.9) }), 60, NOW), false);
    assert.equal(deletedLongAgo(pod('p', { deletedAt: deletedAt(61) }), 60, NOW), true);
    assert.equal(deletedLongAgo(pod('p', { deletedAt: deletedAt(1000) }), 0, NOW), false);
    assert.equal(deletedLongAgo(pod('p'), 10, NOW), false);
  });

  it('a pod deleted recently goes through the other filters', () => {
    const result = filterPods([pod('recent', { deletedAt: deletedAt(5) })], { skipWaitForDeleteTimeoutSeconds: 60 }, dsExists, NOW);
    assert.equal(result.error, 'cannot delete cannot delete Pods that declare no controller (use --force to override): default/recent');
  });
});

describe('aggregateError', () => {
  it('is utilerrors.NewAggregate(...).Error()', () => {
    assert.equal(aggregateError([]), undefined);
    assert.equal(aggregateError(['a']), 'a');
    assert.equal(aggregateError(['a', 'b']), '[a, b]');
    assert.equal(aggregateError(['a', 'a']), 'a');
  });
});
