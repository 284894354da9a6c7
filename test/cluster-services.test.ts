// The cluster services against the real kubectl v1.35: PDB status and evictions, garbage collection
// (background, foreground, orphan), Endpoints and EndpointSlices, and the HPA scaling a Deployment.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../src/domain/object.ts';
import { kubectlFor } from './support/kubectl.ts';
import { ownerRef, runPod, servicesSandbox, setReady, waitFor, type ServicesSandbox } from './support/cluster-services.ts';
import { parseTable, rowOf } from './support/table.ts';

let sandbox: ServicesSandbox;
let k: ReturnType<typeof kubectlFor>;

before(async () => {
  sandbox = await servicesSandbox();
  k = kubectlFor(sandbox.kubeconfig);
});
after(async () => {
  await sandbox?.cleanup();
});

function namespace(name: string): string {
  sandbox.ctx.service.create(sandbox.ctx.types.namespaces, '', { metadata: { name } });
  return name;
}

function create(type: keyof ServicesSandbox['ctx']['types'], ns: string, body: object): KubeObject {
  return sandbox.ctx.service.create(sandbox.ctx.types[type], ns, body);
}

function find(type: keyof ServicesSandbox['ctx']['types'], ns: string, name: string): KubeObject | undefined {
  return sandbox.ctx.service.find(sandbox.ctx.types[type], ns, name);
}

function replicaSet(ns: string, name: string, replicas: number, labels: Record<string, string>, owners?: object[]): KubeObject {
  return create('replicaSets', ns, {
    metadata: { name, ...(owners ? { ownerReferences: owners } : {}) },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
  });
}

function deployment(ns: string, name: string, replicas: number, labels: Record<string, string>, cpu?: string): KubeObject {
  return create('deployments', ns, {
    metadata: { name },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx', ...(cpu ? { resources: { requests: { cpu } } } : {}) }] } } },
  });
}

describe('disruption controller', () => {
  test('PDB status follows pods turning Ready and not Ready; kubectl get pdb shows it', async () => {
    const ns = namespace('pdb-status');
    const rs = replicaSet(ns, 'web', 3, { app: 'web' });
    for (const i of [0, 1, 2]) runPod(sandbox.ctx, ns, `web-${i}`, { labels: { app: 'web' }, owners: [ownerRef(rs)], ready: false });
    create('podDisruptionBudgets', ns, { metadata: { name: 'web' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'web' } } } });
    const status = await waitFor('the first status', () => {
      const s = find('podDisruptionBudgets', ns, 'web')?.status;
      return s?.observedGeneration === 1 && s;
    });
    assert.equal(status.expectedPods, 3);
    assert.equal(status.currentHealthy, 0);
    assert.equal(status.disruptionsAllowed, 0);
    assert.equal(status.conditions[0].reason, 'InsufficientPods');

    for (const i of [0, 1, 2]) setReady(sandbox.ctx, ns, `web-${i}`, true);
    await waitFor('one disruption allowed', () => find('podDisruptionBudgets', ns, 'web')?.status?.disruptionsAllowed === 1);
    const table = parseTable(await k.ok(['get', 'pdb', '-n', ns]));
    assert.deepEqual(rowOf(table, 'web'), { NAME: 'web', 'MIN AVAILABLE': '2', 'MAX UNAVAILABLE': 'N/A', 'ALLOWED DISRUPTIONS': '1', AGE: rowOf(table, 'web').AGE });

    setReady(sandbox.ctx, ns, 'web-1', false);
    await waitFor('no disruption allowed', () => find('podDisruptionBudgets', ns, 'web')?.status?.currentHealthy === 2);
    assert.equal(find('podDisruptionBudgets', ns, 'web')?.status?.disruptionsAllowed, 0);

    // a percentage is taken of the ReplicaSet's scale, and the budget follows a change of scale
    sandbox.ctx.service.patch(sandbox.ctx.types.podDisruptionBudgets, ns, 'web', 'merge', { spec: { minAvailable: '50%' } });
    await waitFor('generation 2 observed', () => find('podDisruptionBudgets', ns, 'web')?.status?.observedGeneration === 2);
    assert.equal(find('podDisruptionBudgets', ns, 'web')?.status?.desiredHealthy, 2);
    sandbox.ctx.service.patch(sandbox.ctx.types.replicaSets, ns, 'web', 'merge', { spec: { replicas: 1 } });
    await waitFor('the new scale', () => find('podDisruptionBudgets', ns, 'web')?.status?.expectedPods === 1);
    assert.equal(find('podDisruptionBudgets', ns, 'web')?.status?.disruptionsAllowed, 1);
  });

  test('an eviction (kubectl drain) is allowed within the budget and refused with 429 beyond it', async () => {
    const ns = namespace('pdb-evict');
    for (const node of ['evict-1', 'evict-2', 'evict-3']) create('nodes', '', { metadata: { name: node } });
    const rs = replicaSet(ns, 'api', 3, { app: 'api' });
    for (const i of [1, 2, 3]) runPod(sandbox.ctx, ns, `api-${i}`, { labels: { app: 'api' }, owners: [ownerRef(rs)], nodeName: `evict-${i}` });
    create('podDisruptionBudgets', ns, { metadata: { name: 'api' }, spec: { maxUnavailable: 1, selector: { matchLabels: { app: 'api' } } } });
    await waitFor('one disruption allowed', () => find('podDisruptionBudgets', ns, 'api')?.status?.disruptionsAllowed === 1);
    const drained = await k.ok(['drain', 'evict-1', '--grace-period=0', '--timeout=10s'], { timeoutMs: 30_000 });
    assert.match(drained, new RegExp(`pod/api-1 evicted`));
    assert.equal(find('pods', ns, 'api-1'), undefined);
    const status = await waitFor('the recomputed status', () => {
      const s = find('podDisruptionBudgets', ns, 'api')?.status;
      return s?.currentHealthy === 2 && s;
    });
    assert.equal(status.disruptionsAllowed, 0);
    assert.equal(status.disruptedPods, undefined);
    const refused = await k.fails(['drain', 'evict-2', '--grace-period=0', '--timeout=2s'], { timeoutMs: 30_000 });
    assert.match(refused.stderr, new RegExp(`error when evicting pods/"api-2" -n "${ns}" \\(will retry after 5s\\): Cannot evict pod as it would violate the pod's disruption budget.`));
    assert.ok(find('pods', ns, 'api-2'));
    // the replacement a ReplicaSet controller would make: once Ready, evictions are allowed again
    runPod(sandbox.ctx, ns, 'api-4', { labels: { app: 'api' }, owners: [ownerRef(rs)] });
    await waitFor('a disruption allowed again', () => find('podDisruptionBudgets', ns, 'api')?.status?.disruptionsAllowed === 1);
    await k.ok(['drain', 'evict-2', '--grace-period=0', '--timeout=10s'], { timeoutMs: 30_000 });
    assert.equal(find('pods', ns, 'api-2'), undefined);
  });

  test('kubectl drain is held up by a budget that allows nothing and prints the retry line', async () => {
    const ns = namespace('pdb-drain');
    create('nodes', '', { metadata: { name: 'drain-node' } });
    const rs = replicaSet(ns, 'db', 2, { app: 'db' });
    for (const i of [0, 1]) runPod(sandbox.ctx, ns, `db-${i}`, { labels: { app: 'db' }, owners: [ownerRef(rs)], nodeName: 'drain-node' });
    create('podDisruptionBudgets', ns, { metadata: { name: 'db' }, spec: { minAvailable: 2, selector: { matchLabels: { app: 'db' } } } });
    await waitFor('the status', () => find('podDisruptionBudgets', ns, 'db')?.status?.currentHealthy === 2);
    const result = await k.fails(['drain', 'drain-node', '--timeout=3s'], { timeoutMs: 30_000 });
    assert.match(result.stderr, new RegExp(`error when evicting pods/"db-0" -n "${ns}" \\(will retry after 5s\\): Cannot evict pod as it would violate the pod's disruption budget.`));
    assert.ok(find('pods', ns, 'db-0'));
  });

  test('an empty selector covers every pod of the namespace; unmanaged pods with maxUnavailable fail safe', async () => {
    const ns = namespace('pdb-empty');
    runPod(sandbox.ctx, ns, 'a', { labels: { x: '1' } });
    runPod(sandbox.ctx, ns, 'b', { labels: { y: '2' } });
    create('podDisruptionBudgets', ns, { metadata: { name: 'all' }, spec: { minAvailable: 1, selector: {} } });
    await waitFor('both pods counted', () => find('podDisruptionBudgets', ns, 'all')?.status?.currentHealthy === 2);
    assert.equal(find('podDisruptionBudgets', ns, 'all')?.status?.disruptionsAllowed, 1);
  });
});

describe('garbage collector', () => {
  test('deleting a Deployment deletes its ReplicaSet and their pods (background)', async () => {
    const ns = namespace('gc-background');
    const d = deployment(ns, 'web', 2, { app: 'web' });
    const rs = replicaSet(ns, 'web-1', 2, { app: 'web' }, [ownerRef(d)]);
    for (const i of [0, 1]) runPod(sandbox.ctx, ns, `web-1-${i}`, { labels: { app: 'web' }, owners: [ownerRef(rs)] });
    await k.ok(['delete', 'deployment', 'web', '-n', ns]);
    await waitFor('the ReplicaSet and pods gone', () => !find('replicaSets', ns, 'web-1') && !find('pods', ns, 'web-1-0') && !find('pods', ns, 'web-1-1'));
  });

  test('a dependent with another owner left only loses the reference', async () => {
    const ns = namespace('gc-shared');
    const a = create('configMaps', ns, { metadata: { name: 'a' } });
    const b = create('configMaps', ns, { metadata: { name: 'b' } });
    create('configMaps', ns, { metadata: { name: 'child', ownerReferences: [ownerRef(a, false), ownerRef(b, false)] } });
    await k.ok(['delete', 'configmap', 'a', '-n', ns]);
    await waitFor('the reference to a removed', () => find('configMaps', ns, 'child')?.metadata.ownerReferences?.length === 1);
    assert.equal(find('configMaps', ns, 'child')?.metadata.ownerReferences?.[0].name, 'b');
    await k.ok(['delete', 'configmap', 'b', '-n', ns]);
    await waitFor('the child gone', () => !find('configMaps', ns, 'child'));
  });

  test('kubectl delete --cascade=foreground: the pods go first, then the ReplicaSet', async () => {
    const ns = namespace('gc-foreground');
    const rs = replicaSet(ns, 'fg', 2, { app: 'fg' });
    for (const i of [0, 1]) runPod(sandbox.ctx, ns, `fg-${i}`, { labels: { app: 'fg' }, owners: [ownerRef(rs)] });
    // a dependent that does not block its owner's deletion is deleted too, but not waited for
    create('configMaps', ns, { metadata: { name: 'loose', ownerReferences: [{ ...ownerRef(rs, false), blockOwnerDeletion: false }] } });
    const seen: string[] = [];
    const unwatch = sandbox.ctx.service.store.watch('apps/replicasets', (event) => {
      if (event.type === 'DELETED' && event.entry.name === 'fg') seen.push(`rs gone with ${['fg-0', 'fg-1'].filter((p) => find('pods', ns, p)).length} pods left`);
    });
    try {
      await k.ok(['delete', 'replicaset', 'fg', '-n', ns, '--cascade=foreground'], { timeoutMs: 30_000 });
    } finally {
      unwatch();
    }
    assert.deepEqual(seen, ['rs gone with 0 pods left']);
    await waitFor('the loose dependent gone', () => !find('configMaps', ns, 'loose'));
  });

  test('foreground deletion of a Deployment goes through its ReplicaSet to the pods', async () => {
    const ns = namespace('gc-foreground-deep');
    const d = deployment(ns, 'deep', 1, { app: 'deep' });
    const rs = replicaSet(ns, 'deep-1', 1, { app: 'deep' }, [ownerRef(d)]);
    runPod(sandbox.ctx, ns, 'deep-1-0', { labels: { app: 'deep' }, owners: [ownerRef(rs)] });
    await k.ok(['delete', 'deployment', 'deep', '-n', ns, '--cascade=foreground'], { timeoutMs: 30_000 });
    assert.equal(find('replicaSets', ns, 'deep-1'), undefined);
    assert.equal(find('pods', ns, 'deep-1-0'), undefined);
  });

  test('kubectl delete --cascade=orphan leaves the pods without the reference', async () => {
    const ns = namespace('gc-orphan');
    const rs = replicaSet(ns, 'or', 2, { app: 'or' });
    for (const i of [0, 1]) runPod(sandbox.ctx, ns, `or-${i}`, { labels: { app: 'or' }, owners: [ownerRef(rs)] });
    await k.ok(['delete', 'replicaset', 'or', '-n', ns, '--cascade=orphan'], { timeoutMs: 30_000 });
    await waitFor('the ReplicaSet gone', () => !find('replicaSets', ns, 'or'));
    for (const i of [0, 1]) {
      const pod = find('pods', ns, `or-${i}`);
      assert.ok(pod, `or-${i} kept`);
      assert.equal(pod.metadata.ownerReferences, undefined);
    }
  });

  test('custom resources are owners and dependents too', async () => {
    const ns = namespace('gc-crd');
    create('configMaps', ns, { metadata: { name: 'x' } });
    sandbox.ctx.service.create(sandbox.ctx.service.registry.get('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!, '', {
      metadata: { name: 'widgets.example.com' },
      spec: { group: 'example.com', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }] },
    });
    const widgets = await waitFor('the Widget type', () => sandbox.ctx.service.registry.get('example.com', 'v1', 'widgets'));
    const widget = sandbox.ctx.service.create(widgets, ns, { metadata: { name: 'w' } });
    create('configMaps', ns, { metadata: { name: 'of-widget', ownerReferences: [ownerRef(widget)] } });
    await k.ok(['delete', 'widget', 'w', '-n', ns]);
    await waitFor('the dependent of the widget gone', () => !find('configMaps', ns, 'of-widget'));
  });
});

describe('endpoints', () => {
  test('a Service gets Endpoints and EndpointSlices from its pods', async () => {
    const ns = namespace('ep');
    create('services', ns, { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } });
    const ports = [{ name: 'http', containerPort: 8080 }];
    runPod(sandbox.ctx, ns, 'web-a', { labels: { app: 'web' }, ip: '10.244.1.2', nodeName: 'n1', ports });
    runPod(sandbox.ctx, ns, 'web-b', { labels: { app: 'web' }, ip: '10.244.1.3', ready: false, ports });
    runPod(sandbox.ctx, ns, 'other', { labels: { app: 'db' }, ip: '10.244.1.4', ports });
    await waitFor('the endpoints', () => find('endpoints', ns, 'web')?.subsets?.[0]?.notReadyAddresses?.length === 1);
    const endpoints = find('endpoints', ns, 'web')!;
    assert.deepEqual(endpoints.subsets, [{
      addresses: [{ ip: '10.244.1.2', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: ns, name: 'web-a', uid: find('pods', ns, 'web-a')!.metadata.uid } }],
      notReadyAddresses: [{ ip: '10.244.1.3', targetRef: { kind: 'Pod', namespace: ns, name: 'web-b', uid: find('pods', ns, 'web-b')!.metadata.uid } }],
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
    }]);
    const epTable = parseTable(await k.ok(['get', 'endpoints', 'web', '-n', ns]));
    assert.equal(rowOf(epTable, 'web').ENDPOINTS, '10.244.1.2:8080');

    const slices = JSON.parse(await k.ok(['get', 'endpointslices', '-n', ns, '-l', 'kubernetes.io/service-name=web', '-o', 'json'])).items;
    assert.equal(slices.length, 1);
    const slice = slices[0];
    assert.match(slice.metadata.name, /^web-[a-z0-9]{5}$/);
    assert.equal(slice.metadata.labels['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.equal(slice.metadata.ownerReferences[0].kind, 'Service');
    assert.equal(slice.addressType, 'IPv4');
    assert.deepEqual(slice.ports, [{ name: 'http', port: 8080, protocol: 'TCP' }]);
    assert.deepEqual(slice.endpoints.map((e: any) => [e.addresses[0], e.conditions, e.nodeName]), [
      ['10.244.1.2', { ready: true, serving: true, terminating: false }, 'n1'],
      ['10.244.1.3', { ready: false, serving: false, terminating: false }, undefined],
    ]);
    const sliceTable = parseTable(await k.ok(['get', 'endpointslices', '-n', ns]));
    assert.equal(rowOf(sliceTable, slice.metadata.name).ENDPOINTS, '10.244.1.2,10.244.1.3');

    // a pod going away leaves both; the Service going away takes both with it
    sandbox.ctx.service.delete(sandbox.ctx.types.pods, ns, 'web-b');
    await waitFor('web-b gone from the endpoints', () => !find('endpoints', ns, 'web')?.subsets?.[0]?.notReadyAddresses);
    await k.ok(['delete', 'service', 'web', '-n', ns]);
    await waitFor('endpoints and slices gone', () => !find('endpoints', ns, 'web') && !find('endpointSlices', ns, slice.metadata.name));
  });

  test('the kubernetes Service points at the API server', async () => {
    const table = parseTable(await k.ok(['get', 'endpoints', 'kubernetes']));
    assert.equal(rowOf(table, 'kubernetes').ENDPOINTS, '10.0.0.1:6443');
    const slice = JSON.parse(await k.ok(['get', 'endpointslice', 'kubernetes', '-o', 'json']));
    assert.deepEqual(slice.ports, [{ name: 'https', port: 6443, protocol: 'TCP' }]);
  });
});

describe('horizontal pod autoscaler', () => {
  test('scales a Deployment up when its pods run hot, as kubectl autoscale set it', async () => {
    const ns = namespace('hpa');
    const d = deployment(ns, 'php-apache', 1, { run: 'php-apache' }, '200m');
    runPod(sandbox.ctx, ns, 'php-apache-0', { labels: { run: 'php-apache' }, owners: [ownerRef(d)], cpu: '200m' });
    sandbox.ctx.metrics.setPod(ns, 'php-apache-0', { run: 'php-apache' }, [{ name: 'app', cpu: '412m', memory: '20Mi' }], sandbox.ctx.clock.now());
    await k.ok(['autoscale', 'deployment', 'php-apache', '-n', ns, '--max=10', '--cpu-percent=30']);
    // 206% of the request against 30%: ceil(1 × 206/30) = 7, held to max(2 × 1, 4) = 4 in one step
    await waitFor('the scale-up', () => find('deployments', ns, 'php-apache')?.spec?.replicas === 4);
    const hpa = await waitFor('the status', () => {
      const h = find('horizontalPodAutoscalers', ns, 'php-apache');
      return h?.status?.desiredReplicas === 4 && h;
    });
    assert.equal(hpa.status.currentReplicas, 1);
    assert.deepEqual(hpa.status.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 206, averageValue: '412m' } } }]);
    const reasons = Object.fromEntries(hpa.status.conditions.map((c: any) => [c.type, `${c.status} ${c.reason}`]));
    assert.deepEqual(reasons, { AbleToScale: 'True SucceededRescale', ScalingActive: 'True ValidMetricFound', ScalingLimited: 'True ScaleUpLimit' });
    assert.ok(hpa.status.lastScaleTime);
    const table = parseTable(await k.ok(['get', 'hpa', '-n', ns]));
    assert.equal(rowOf(table, 'php-apache').TARGETS, 'cpu: 206%/30%');
    const events = await k.ok(['get', 'events', '-n', ns, '--field-selector', 'reason=SuccessfulRescale', '-o', 'jsonpath={.items[*].message}']);
    assert.equal(events, 'New size: 4; reason: cpu resource utilization (percentage of request) above target');
  });

  test('without metrics it says so and leaves the scale alone', async () => {
    const ns = namespace('hpa-nometrics');
    const d = deployment(ns, 'quiet', 2, { run: 'quiet' }, '100m');
    runPod(sandbox.ctx, ns, 'quiet-0', { labels: { run: 'quiet' }, owners: [ownerRef(d)], cpu: '100m' });
    create('horizontalPodAutoscalers', ns, { metadata: { name: 'quiet' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'quiet' }, minReplicas: 1, maxReplicas: 5 } });
    const hpa = await waitFor('the status', () => {
      const h = find('horizontalPodAutoscalers', ns, 'quiet');
      return h?.status?.conditions && h;
    });
    const active = hpa.status.conditions.find((c: any) => c.type === 'ScalingActive');
    assert.equal(active.status, 'False');
    assert.equal(active.reason, 'FailedGetResourceMetric');
    assert.equal(find('deployments', ns, 'quiet')?.spec?.replicas, 2);
  });
});
