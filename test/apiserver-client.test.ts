// The sandbox API server through the official client (@kubernetes/client-node) over HTTPS, and raw requests for
// what no client sends: bad tokens, malformed bodies, wrong media types, oversize bodies. Bad input must get the
// right Status and leave every stored object as it was.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { ApiException, AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';

let sandbox: TestSandbox;
let core: CoreV1Api;
let apps: AppsV1Api;

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(method: string, path: string, options: { body?: string | Buffer; contentType?: string; token?: string | null; accept?: string } = {}): Promise<RawResponse> {
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? sandbox.endpoint.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (options.contentType) headers['content-type'] = options.contentType;
  if (options.accept) headers.accept = options.accept;
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port: sandbox.port, method, path, headers, ca: sandbox.endpoint.caCert },
      (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function status(response: RawResponse): { kind: string; code: number; reason: string; message: string; details?: any } {
  const parsed = JSON.parse(response.body);
  assert.equal(parsed.kind, 'Status', `expected a Status body, got ${response.body.slice(0, 200)}`);
  assert.equal(parsed.code, response.status);
  return parsed;
}

async function apiError(promise: Promise<unknown>): Promise<{ code: number; body: any }> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof ApiException, `expected ApiException, got ${error}`);
    return { code: error.code, body: typeof error.body === 'string' ? JSON.parse(error.body) : error.body };
  }
  assert.fail('expected the call to fail');
}

/** Every stored object, for checking that rejected requests changed nothing. */
async function snapshot(): Promise<string> {
  const parts: string[] = [];
  for (const path of ['/api/v1/namespaces', '/api/v1/configmaps', '/api/v1/pods', '/apis/apps/v1/deployments']) {
    parts.push(JSON.stringify(JSON.parse((await raw('GET', path)).body).items));
  }
  return parts.join('\n');
}

before(async () => {
  sandbox = await testSandbox({ apiOnly: true });
  const kc = new KubeConfig();
  kc.loadFromFile(sandbox.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});

after(async () => {
  await sandbox.cleanup();
});

describe('through the official client', () => {
  test('create, read, list, replace and delete a ConfigMap', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'settings', labels: { app: 'web' } }, data: { a: '1' } } });
    assert.ok(created.metadata?.uid);
    assert.ok(Number(created.metadata?.resourceVersion) > 0);
    assert.ok(created.metadata?.creationTimestamp);
    const read = await core.readNamespacedConfigMap({ name: 'settings', namespace: 'default' });
    assert.deepEqual(read.data, { a: '1' });
    const listed = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'app=web' });
    assert.deepEqual(listed.items.map((c) => c.metadata?.name), ['settings']);
    const replaced = await core.replaceNamespacedConfigMap({ name: 'settings', namespace: 'default', body: { ...read, data: { a: '2' } } });
    assert.equal(replaced.data?.a, '2');
    assert.ok(Number(replaced.metadata?.resourceVersion) > Number(read.metadata?.resourceVersion));
    await core.deleteNamespacedConfigMap({ name: 'settings', namespace: 'default' });
    const gone = await apiError(core.readNamespacedConfigMap({ name: 'settings', namespace: 'default' }));
    assert.equal(gone.code, 404);
    assert.equal(gone.body.reason, 'NotFound');
    assert.equal(gone.body.message, 'configmaps "settings" not found');
  });

  test('an update with a stale resourceVersion is a 409 Conflict and changes nothing', async () => {
    const first = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'occ' }, data: { v: '1' } } });
    await core.replaceNamespacedConfigMap({ name: 'occ', namespace: 'default', body: { ...first, data: { v: '2' } } });
    const stale = await apiError(core.replaceNamespacedConfigMap({ name: 'occ', namespace: 'default', body: { ...first, data: { v: '3' } } }));
    assert.equal(stale.code, 409);
    assert.equal(stale.body.reason, 'Conflict');
    assert.match(stale.body.message, /^Operation cannot be fulfilled on configmaps "occ": the object has been modified/);
    assert.equal((await core.readNamespacedConfigMap({ name: 'occ', namespace: 'default' })).data?.v, '2');
  });

  test('creating an existing object is AlreadyExists; an invalid one is Invalid with field causes', async () => {
    await core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    const twice = await apiError(core.createNamespace({ body: { metadata: { name: 'team-a' } } }));
    assert.equal(twice.code, 409);
    assert.equal(twice.body.reason, 'AlreadyExists');
    const badName = await apiError(core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'Bad_Name' } } }));
    assert.equal(badName.code, 422);
    assert.equal(badName.body.reason, 'Invalid');
    assert.equal(badName.body.details.causes[0].field, 'metadata.name');
    const noContainers = await apiError(core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'p' }, spec: { containers: [] } } }));
    assert.equal(noContainers.code, 422);
    assert.deepEqual(noContainers.body.details.causes.map((c: any) => c.field), ['spec.containers']);
  });

  test('objects in a missing namespace are refused with the namespace named', async () => {
    const missing = await apiError(core.createNamespacedConfigMap({ namespace: 'nowhere', body: { metadata: { name: 'x' } } }));
    assert.equal(missing.code, 404);
    assert.equal(missing.body.message, 'namespaces "nowhere" not found');
  });

  test('a list pages through limit and continue in key order', async () => {
    await core.createNamespace({ body: { metadata: { name: 'paging' } } });
    for (let i = 0; i < 25; i++) await core.createNamespacedConfigMap({ namespace: 'paging', body: { metadata: { name: `cm-${String(i).padStart(2, '0')}` } } });
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespacedConfigMap({ namespace: 'paging', limit: 10, _continue: token });
      names.push(...page.items.map((c) => c.metadata!.name!));
      token = page.metadata?._continue || undefined;
      if (token) assert.equal(page.metadata?.remainingItemCount, 25 - names.length);
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual(names, Array.from({ length: 25 }, (_, i) => `cm-${String(i).padStart(2, '0')}`));
  });

  test('dryRun=All validates and answers but stores nothing', async () => {
    const dry = await apps.createNamespacedDeployment({
      namespace: 'default',
      dryRun: 'All',
      body: { metadata: { name: 'dry' }, spec: { selector: { matchLabels: { app: 'dry' } }, template: { metadata: { labels: { app: 'dry' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } },
    });
    assert.equal(dry.spec?.replicas, 1, 'defaults are applied in a dry run');
    assert.equal((await apiError(apps.readNamespacedDeployment({ name: 'dry', namespace: 'default' }))).code, 404);
  });

  test('scale subresource reads and writes replicas', async () => {
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'web' }, spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }] } } } },
    });
    const scale = await apps.readNamespacedDeploymentScale({ name: 'web', namespace: 'default' });
    assert.equal(scale.spec?.replicas, 2);
    assert.equal(scale.status?.selector, 'app=web');
    await apps.replaceNamespacedDeploymentScale({ name: 'web', namespace: 'default', body: { ...scale, spec: { replicas: 4 } } });
    assert.equal((await apps.readNamespacedDeployment({ name: 'web', namespace: 'default' })).spec?.replicas, 4);
  });
});

describe('pods: binding, eviction and graceful deletion', () => {
  const pod = (name: string, labels: Record<string, string>) => ({ metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });

  test('a bound pod deleted with a grace period stays Terminating; grace 0 removes it', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('graceful', { app: 'g' }) });
    const bind = await raw('POST', '/api/v1/namespaces/default/pods/graceful/binding', { contentType: 'application/json', body: JSON.stringify({ apiVersion: 'v1', kind: 'Binding', metadata: { name: 'graceful' }, target: { kind: 'Node', name: 'n1' } }) });
    assert.equal(bind.status, 201);
    const bound = await core.readNamespacedPod({ name: 'graceful', namespace: 'default' });
    assert.equal(bound.spec?.nodeName, 'n1');
    assert.equal(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status, 'True');
    const again = await raw('POST', '/api/v1/namespaces/default/pods/graceful/binding', { contentType: 'application/json', body: JSON.stringify({ target: { name: 'n2' } }) });
    assert.equal(status(again).reason, 'Conflict');
    await core.deleteNamespacedPod({ name: 'graceful', namespace: 'default' });
    const terminating = await core.readNamespacedPod({ name: 'graceful', namespace: 'default' });
    assert.ok(terminating.metadata?.deletionTimestamp);
    assert.equal(terminating.metadata?.deletionGracePeriodSeconds, 30);
    await core.deleteNamespacedPod({ name: 'graceful', namespace: 'default', gracePeriodSeconds: 0 });
    assert.equal((await apiError(core.readNamespacedPod({ name: 'graceful', namespace: 'default' }))).code, 404);
  });

  test('eviction honours the PodDisruptionBudget: 429 with the budget named, then success', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('guarded', { app: 'guarded' }) });
    // a Ready pod: an unready one may be evicted regardless while the budget is healthy (IfHealthyBudget)
    const ready = await raw('PATCH', '/api/v1/namespaces/default/pods/guarded/status', {
      contentType: 'application/merge-patch+json',
      body: JSON.stringify({ status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }),
    });
    assert.equal(ready.status, 200);
    await raw('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', {
      contentType: 'application/json',
      body: JSON.stringify({ metadata: { name: 'guard' }, spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } } }),
    });
    const setStatus = (allowed: number) =>
      raw('PATCH', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/guard/status', {
        contentType: 'application/merge-patch+json',
        body: JSON.stringify({ status: { observedGeneration: 1, disruptionsAllowed: allowed, currentHealthy: 1, desiredHealthy: 1, expectedPods: 1 } }),
      });
    assert.equal((await setStatus(0)).status, 200);
    const evict = () =>
      raw('POST', '/api/v1/namespaces/default/pods/guarded/eviction', {
        contentType: 'application/json',
        body: JSON.stringify({ kind: 'Eviction', apiVersion: 'policy/v1', metadata: { name: 'guarded', namespace: 'default' }, deleteOptions: {} }),
      });
    const blocked = status(await evict());
    assert.equal(blocked.code, 429);
    assert.equal(blocked.message, "Cannot evict pod as it would violate the pod's disruption budget.");
    assert.equal(blocked.details.causes[0].message, 'The disruption budget guard needs 1 healthy pods and has 1 currently');
    await setStatus(1);
    const allowed = await evict();
    assert.equal(allowed.status, 201);
    assert.equal(JSON.parse(allowed.body).status, 'Success');
    assert.equal((await apiError(core.readNamespacedPod({ name: 'guarded', namespace: 'default' }))).code, 404);
    const pdb = JSON.parse((await raw('GET', '/apis/policy/v1/namespaces/default/poddisruptionbudgets/guard')).body);
    assert.equal(pdb.status.disruptionsAllowed, 0);
    assert.ok(pdb.status.disruptedPods.guarded);
  });

  test('a pending pod is evicted without a budget check, as upstream', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('not-started', { app: 'guarded' }) });
    const response = await raw('POST', '/api/v1/namespaces/default/pods/not-started/eviction', { contentType: 'application/json', body: JSON.stringify({ metadata: { name: 'not-started' } }) });
    assert.equal(response.status, 201, response.body);
  });

  test('a running pod covered by two budgets cannot be evicted (500, as upstream)', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: pod('double', { app: 'double', tier: 'x' }) });
    await raw('PATCH', '/api/v1/namespaces/default/pods/double/status', { contentType: 'application/merge-patch+json', body: '{"status":{"phase":"Running"}}' });
    for (const [name, selector] of [['by-app', { app: 'double' }], ['by-tier', { tier: 'x' }]] as const) {
      await raw('POST', '/apis/policy/v1/namespaces/default/poddisruptionbudgets', { contentType: 'application/json', body: JSON.stringify({ metadata: { name }, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } }) });
    }
    const response = await raw('POST', '/api/v1/namespaces/default/pods/double/eviction', { contentType: 'application/json', body: JSON.stringify({ metadata: { name: 'double' } }) });
    assert.equal(status(response).code, 500);
    assert.match(JSON.parse(response.body).message, /more than one PodDisruptionBudget/);
  });
});

describe('delete options, collections and subresources', () => {
  test('deletecollection removes what the selector matches, and only that', async () => {
    await core.createNamespace({ body: { metadata: { name: 'sweep' } } });
    for (const [name, tier] of [['a', 'cache'], ['b', 'cache'], ['c', 'db']]) {
      await core.createNamespacedConfigMap({ namespace: 'sweep', body: { metadata: { name, labels: { tier } } } });
    }
    await core.deleteCollectionNamespacedConfigMap({ namespace: 'sweep', labelSelector: 'tier=cache' });
    const left = await core.listNamespacedConfigMap({ namespace: 'sweep' });
    assert.deepEqual(left.items.map((c) => c.metadata?.name), ['c']);
  });

  test('delete preconditions on uid and resourceVersion are checked; a dry run deletes nothing', async () => {
    const cm = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'guarded-cm' } } });
    const wrongUid = await apiError(core.deleteNamespacedConfigMap({ name: 'guarded-cm', namespace: 'default', body: { preconditions: { uid: 'not-the-uid' } } }));
    assert.equal(wrongUid.code, 409);
    assert.match(wrongUid.body.message, /Precondition failed: UID in precondition: not-the-uid/);
    const staleRv = await apiError(core.deleteNamespacedConfigMap({ name: 'guarded-cm', namespace: 'default', body: { preconditions: { resourceVersion: '1' } } }));
    assert.equal(staleRv.code, 409);
    await core.deleteNamespacedConfigMap({ name: 'guarded-cm', namespace: 'default', dryRun: 'All' });
    assert.ok(await core.readNamespacedConfigMap({ name: 'guarded-cm', namespace: 'default' }));
    await core.deleteNamespacedConfigMap({ name: 'guarded-cm', namespace: 'default', body: { preconditions: { uid: cm.metadata!.uid } } });
    assert.equal((await apiError(core.readNamespacedConfigMap({ name: 'guarded-cm', namespace: 'default' }))).code, 404);
  });

  test('foreground deletion marks the object and holds it with the foregroundDeletion finalizer', async () => {
    await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'owner' } } });
    await core.deleteNamespacedConfigMap({ name: 'owner', namespace: 'default', propagationPolicy: 'Foreground' });
    const held = await core.readNamespacedConfigMap({ name: 'owner', namespace: 'default' });
    assert.ok(held.metadata?.deletionTimestamp);
    assert.deepEqual(held.metadata?.finalizers, ['foregroundDeletion']);
    // removing the last finalizer completes the deletion
    await raw('PATCH', '/api/v1/namespaces/default/configmaps/owner', { contentType: 'application/merge-patch+json', body: '{"metadata":{"finalizers":null}}' });
    assert.equal((await apiError(core.readNamespacedConfigMap({ name: 'owner', namespace: 'default' }))).code, 404);
  });

  test('the system namespaces cannot be deleted', async () => {
    const refused = await apiError(core.deleteNamespace({ name: 'kube-system' }));
    assert.equal(refused.code, 403);
    assert.equal(refused.body.message, 'namespaces "kube-system" is forbidden: this namespace may not be deleted');
  });

  test('the ephemeralcontainers subresource changes only the ephemeral containers', async () => {
    await core.createNamespacedPod({ namespace: 'default', body: { metadata: { name: 'debug-me' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } });
    const response = await raw('PATCH', '/api/v1/namespaces/default/pods/debug-me/ephemeralcontainers', {
      contentType: 'application/strategic-merge-patch+json',
      body: JSON.stringify({ spec: { ephemeralContainers: [{ name: 'debugger', image: 'busybox', targetContainerName: 'c' }], containers: [{ name: 'c', image: 'changed' }] } }),
    });
    assert.equal(response.status, 200, response.body);
    const pod = await core.readNamespacedPod({ name: 'debug-me', namespace: 'default' });
    assert.deepEqual(pod.spec?.ephemeralContainers?.map((c) => c.name), ['debugger']);
    assert.equal(pod.spec?.containers[0].image, 'busybox', 'the subresource does not change other fields');
  });

  test('a watch-list sends the current objects, then the initial-events-end bookmark', async () => {
    await core.createNamespace({ body: { metadata: { name: 'watchlist' } } });
    for (const name of ['one', 'two']) await core.createNamespacedConfigMap({ namespace: 'watchlist', body: { metadata: { name } } });
    const response = await raw('GET', '/api/v1/namespaces/watchlist/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1');
    const events = response.body.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(events.slice(0, 2).map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED one', 'ADDED two']);
    assert.equal(events[2].type, 'BOOKMARK');
    assert.equal(events[2].object.metadata.annotations['k8s.io/initial-events-end'], 'true');
    assert.ok(Number(events[2].object.metadata.resourceVersion) >= Number(events[1].object.metadata.resourceVersion));
    const unpaired = status(await raw('GET', '/api/v1/configmaps?watch=true&sendInitialEvents=true'));
    assert.equal(unpaired.code, 422);
    assert.equal(status(await raw('GET', '/api/v1/configmaps?resourceVersionMatch=NotOlderThan')).code, 400);
  });
});

describe('bad input gets the right Status and changes nothing', () => {
  test('no token or a wrong token is 401; health endpoints are open', async () => {
    const before = await snapshot();
    assert.equal(status(await raw('GET', '/api/v1/namespaces', { token: null })).reason, 'Unauthorized');
    assert.equal(status(await raw('POST', '/api/v1/namespaces', { token: 'wrong', contentType: 'application/json', body: '{"metadata":{"name":"intruder"}}' })).code, 401);
    assert.equal((await raw('GET', '/readyz', { token: null })).body, 'ok');
    assert.equal(JSON.parse((await raw('GET', '/version', { token: null })).body).major, '1');
    assert.equal(await snapshot(), before);
  });

  test('malformed JSON and YAML are 400, a wrong Content-Type 415, an oversize body 413', async () => {
    const before = await snapshot();
    const path = '/api/v1/namespaces/default/configmaps';
    const malformedJson = status(await raw('POST', path, { contentType: 'application/json', body: '{"metadata": {"name": "x"' }));
    assert.equal(malformedJson.reason, 'BadRequest');
    const malformedYaml = status(await raw('POST', path, { contentType: 'application/yaml', body: 'metadata:\n  name: [unclosed\n' }));
    assert.equal(malformedYaml.reason, 'BadRequest');
    const wrongType = status(await raw('POST', path, { contentType: 'text/plain', body: '{"metadata":{"name":"x"}}' }));
    assert.equal(wrongType.code, 415);
    assert.equal(wrongType.reason, 'UnsupportedMediaType');
    const badPatchType = status(await raw('PATCH', `${path}/x`, { contentType: 'application/json', body: '{}' }));
    assert.equal(badPatchType.code, 415);
    const big = JSON.stringify({ metadata: { name: 'big' }, data: { blob: 'x'.repeat(3 * 1024 * 1024 + 10) } });
    const tooLarge = status(await raw('POST', path, { contentType: 'application/json', body: big }));
    assert.equal(tooLarge.code, 413);
    assert.equal(tooLarge.reason, 'RequestEntityTooLarge');
    const wrongKind = status(await raw('POST', path, { contentType: 'application/json', body: '{"apiVersion":"v1","kind":"Secret","metadata":{"name":"x"}}' }));
    assert.equal(wrongKind.reason, 'BadRequest');
    const wrongNamespace = status(await raw('POST', path, { contentType: 'application/json', body: '{"metadata":{"name":"x","namespace":"kube-system"}}' }));
    assert.match(wrongNamespace.message, /does not match the namespace/);
    const noType = await raw('POST', path, { body: '{"metadata":{"name":"untyped"}}' });
    assert.equal(noType.status, 201, 'a body without Content-Type is read as JSON, as upstream');
    await raw('DELETE', `${path}/untyped`);
    const yamlOk = await raw('POST', path, { contentType: 'application/yaml', body: 'metadata:\n  name: from-yaml\ndata:\n  k: v\n' });
    assert.equal(yamlOk.status, 201);
    await raw('DELETE', `${path}/from-yaml`);
    assert.equal(await snapshot(), before);
  });

  test('unknown resources and paths are 404; unsupported verbs 405', async () => {
    assert.equal(status(await raw('GET', '/api/v1/widgets')).code, 404);
    assert.equal(status(await raw('GET', '/apis/nope.example.com/v1/things')).code, 404);
    assert.equal(status(await raw('GET', '/no/such/path')).code, 404);
    assert.equal(status(await raw('GET', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews')).code, 405);
  });

  test('invalid selectors and continue tokens are 400', async () => {
    assert.equal(status(await raw('GET', '/api/v1/pods?labelSelector=' + encodeURIComponent('app in (a'))).code, 400);
    assert.match(status(await raw('GET', '/api/v1/pods?fieldSelector=spec.color%3Dred')).message, /field label not supported: spec.color/);
    assert.equal(status(await raw('GET', '/api/v1/pods?limit=1&continue=garbage!')).code, 400);
  });

  test('a watch with resourceVersion 0 starts with the current state', async () => {
    const response = await raw('GET', '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0&timeoutSeconds=1');
    assert.equal(response.status, 200);
    const events = response.body.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    assert.ok(events.length > 0);
    assert.ok(events.every((e) => e.type === 'ADDED'));
  });
});

describe('watch resume and expiry', () => {
  let small: TestSandbox;
  before(async () => {
    small = await testSandbox({ apiOnly: true, watchHistorySize: 16 });
  });
  after(async () => {
    await small.cleanup();
  });

  function get(path: string): Promise<RawResponse> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: small.port, path, headers: { authorization: `Bearer ${small.endpoint.token}` }, ca: small.endpoint.caCert }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  test('a resume replays exactly the events after its resourceVersion; a too-old one gets 410 Expired', async () => {
    const configmaps = small.service.registry.get('', 'v1', 'configmaps')!;
    const first = small.service.create(configmaps, 'default', { metadata: { name: 'w0' } });
    const from = Number(first.metadata.resourceVersion);
    for (let i = 1; i <= 3; i++) small.service.create(configmaps, 'default', { metadata: { name: `w${i}` } });
    const resumed = await get(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${from}&timeoutSeconds=1`);
    const events = resumed.body.trim().split('\n').map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => `${e.type} ${e.object.metadata.name}`), ['ADDED w1', 'ADDED w2', 'ADDED w3']);
    for (let i = 4; i < 60; i++) small.service.create(configmaps, 'default', { metadata: { name: `w${i}` } });
    const expired = await get(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${from}`);
    const [event] = expired.body.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(event.type, 'ERROR');
    assert.equal(event.object.code, 410);
    assert.equal(event.object.reason, 'Expired');
  });
});
