import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.ts';
import { loadKubeClient, type KubeClient } from './client.ts';
import { AGGREGATED_DISCOVERY_ACCEPT, cacheDirName, Discovery, resolveResource, UnknownResourceError, type ApiResource } from './discovery.ts';
import { fakeApiServer, sendJson, tempDir, writeKubeconfigFile, type FakeServer } from './testkit.ts';

const dir = tempDir();
after(() => dir.remove());

const r = (group: string, version: string, resource: string, kind: string, extra: Partial<ApiResource> = {}): ApiResource => ({
  group,
  version,
  resource,
  kind,
  namespaced: true,
  singular: kind.toLowerCase(),
  shortNames: [],
  verbs: ['get', 'list'],
  categories: [],
  subresources: [],
  preferred: true,
  ...extra,
});

const table: ApiResource[] = [
  r('', 'v1', 'pods', 'Pod', { shortNames: ['po'] }),
  r('', 'v1', 'events', 'Event', { shortNames: ['ev'] }),
  r('apps', 'v1', 'deployments', 'Deployment', { shortNames: ['deploy'] }),
  r('apps', 'v1beta1', 'deployments', 'Deployment', { shortNames: ['deploy'], preferred: false }),
  r('events.k8s.io', 'v1', 'events', 'Event', { shortNames: ['ev'] }),
  r('example.com', 'v1', 'pods', 'ExamplePod'),
  r('metrics.k8s.io', 'v1beta1', 'nodes', 'NodeMetrics', { namespaced: false }),
  r('', 'v1', 'nodes', 'Node', { namespaced: false, shortNames: ['no'] }),
];

const key = (found: ApiResource | undefined): string => (found ? `${found.resource}.${found.version}.${found.group}` : 'none');

test('names resolve as kubectl resolves them', () => {
  assert.equal(key(resolveResource(table, 'po')), 'pods.v1.');
  assert.equal(key(resolveResource(table, 'pods')), 'pods.v1.');
  assert.equal(key(resolveResource(table, 'pod')), 'pods.v1.');
  assert.equal(key(resolveResource(table, 'Pod')), 'pods.v1.');
  assert.equal(key(resolveResource(table, 'deploy')), 'deployments.v1.apps');
  assert.equal(key(resolveResource(table, 'Deployment')), 'deployments.v1.apps');
  assert.equal(key(resolveResource(table, 'deployments.apps')), 'deployments.v1.apps');
  assert.equal(key(resolveResource(table, 'deployments.v1beta1.apps')), 'deployments.v1beta1.apps');
  assert.equal(key(resolveResource(table, 'pods.example.com')), 'pods.v1.example.com');
  assert.equal(key(resolveResource(table, 'examplepod')), 'pods.v1.example.com');
  assert.equal(key(resolveResource(table, 'events')), 'events.v1.', 'the core group wins a tie');
  assert.equal(key(resolveResource(table, 'ev')), 'events.v1.');
  assert.equal(key(resolveResource(table, 'events.events.k8s.io')), 'events.v1.events.k8s.io');
  assert.equal(key(resolveResource(table, 'nodes')), 'nodes.v1.');
  assert.equal(key(resolveResource(table, 'widgets')), 'none');
  assert.equal(key(resolveResource(table, 'pods.nope')), 'none');
  assert.equal(key(resolveResource(table, '')), 'none');
});

test('cache directories are named like kubectl\'s', () => {
  assert.equal(cacheDirName('https://127.0.0.1:6443'), '127.0.0.1_6443');
  assert.equal(cacheDirName('https://k8s.example.com/clusters/c-1'), 'k8s.example.com_clusters_c_1');
});

describe('discovery against the sandbox (aggregated)', () => {
  let sandbox: Sandbox;
  let client: KubeClient;
  const cacheDir = join(dir.path, 'cache');

  before(async () => {
    sandbox = await startSandbox({ apiOnly: true, kubeconfigPath: join(dir.path, 'kubeconfig') });
    client = loadKubeClient({ kubeconfig: join(dir.path, 'kubeconfig') });
  });
  after(async () => {
    client?.close();
    await sandbox?.stop();
  });

  test('resolves names and writes the disk cache', async () => {
    const discovery = new Discovery(client, { cacheDir });
    const pods = await discovery.resolve('po');
    assert.deepEqual({ group: pods.group, version: pods.version, resource: pods.resource, kind: pods.kind, namespaced: pods.namespaced }, { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true });
    assert.ok(pods.subresources.includes('eviction'));
    assert.equal(discovery.format, 'aggregated');
    assert.equal(discovery.source, 'server');
    const deploy = await discovery.resolve('deployments.apps');
    assert.equal(deploy.kind, 'Deployment');
    assert.equal((await discovery.resolve('Node')).namespaced, false);
    assert.equal(discovery.source, 'memory');
    const file = join(cacheDir, `127.0.0.1_${sandbox.port}`, 'resources.json');
    assert.ok(existsSync(file));
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).server, sandbox.endpoint.server);
  });

  test('a second process reads the disk cache instead of asking; an expired cache asks again', async () => {
    let now = Date.now();
    const counting = { server: client.server, hostPort: client.hostPort, calls: 0, request: (...args: Parameters<KubeClient['request']>) => ((counting.calls++, client.request(...args))) };
    const warm = new Discovery(counting as unknown as KubeClient, { cacheDir, now: () => now });
    await warm.resolve('deploy');
    assert.equal(warm.source, 'disk');
    assert.equal(counting.calls, 0);
    now += 11 * 60_000;
    const stale = new Discovery(counting as unknown as KubeClient, { cacheDir, now: () => now });
    await stale.resolve('deploy');
    assert.equal(stale.source, 'server');
    assert.equal(counting.calls, 2, '/api and /apis');
  });

  test('the Accept header asks for aggregated discovery as kubectl does', async () => {
    const seen: string[] = [];
    const spy = { server: client.server, hostPort: client.hostPort, request: (method: string, path: string, options: any) => (seen.push(`${path} ${options.accept}`), client.request(method, path, options)) };
    await new Discovery(spy as unknown as KubeClient, { cacheDir: null }).resources();
    assert.deepEqual(seen.sort(), [`/api ${AGGREGATED_DISCOVERY_ACCEPT}`, `/apis ${AGGREGATED_DISCOVERY_ACCEPT}`]);
  });

  test('a name the cache does not know makes it fetch again: a new CRD is found at once', async () => {
    const discovery = new Discovery(client, { cacheDir });
    await discovery.resources();
    await client.request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', {
      body: {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wd'] },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
        },
      },
    });
    const widget = await discovery.resolve('wd');
    assert.deepEqual([widget.group, widget.version, widget.resource, widget.kind], ['example.com', 'v1', 'widgets', 'Widget']);
    assert.equal(discovery.source, 'server');
    await assert.rejects(discovery.resolve('gadgets'), (error: Error) => {
      assert.ok(error instanceof UnknownResourceError);
      assert.equal(error.message, 'the server doesn\'t have a resource type "gadgets"; see: kmaint api-resources');
      return true;
    });
  });
});

describe('legacy discovery', () => {
  let fake: FakeServer;
  let client: KubeClient;

  before(async () => {
    fake = await fakeApiServer((req, res) => {
      switch (req.path) {
        case '/api':
          return sendJson(res, 200, { kind: 'APIVersions', versions: ['v1'] });
        case '/apis':
          return sendJson(res, 200, {
            kind: 'APIGroupList',
            groups: [
              { name: 'apps', versions: [{ groupVersion: 'apps/v1', version: 'v1' }], preferredVersion: { groupVersion: 'apps/v1', version: 'v1' } },
              { name: 'metrics.k8s.io', versions: [{ groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' }], preferredVersion: { groupVersion: 'metrics.k8s.io/v1beta1', version: 'v1beta1' } },
            ],
          });
        case '/api/v1':
          return sendJson(res, 200, {
            kind: 'APIResourceList',
            groupVersion: 'v1',
            resources: [
              { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'], categories: ['all'] },
              { name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] },
            ],
          });
        case '/apis/apps/v1':
          return sendJson(res, 200, { kind: 'APIResourceList', groupVersion: 'apps/v1', resources: [{ name: 'deployments', singularName: 'deployment', namespaced: true, kind: 'Deployment', verbs: ['get'], shortNames: ['deploy'] }] });
        default:
          // an aggregated API server that is down
          return sendJson(res, 503, { kind: 'Status', code: 503, reason: 'ServiceUnavailable', message: 'the server is currently unable to handle the request' });
      }
    });
    client = loadKubeClient({ kubeconfig: writeKubeconfigFile(join(dir.path, 'legacy'), { server: fake.url }) });
  });
  after(async () => {
    client?.close();
    await fake?.close();
  });

  test('falls back to the per-group-version lists and skips a group that is down', async () => {
    const discovery = new Discovery(client, { cacheDir: null });
    const pods = await discovery.resolve('po');
    assert.equal(discovery.format, 'legacy');
    assert.deepEqual(pods.subresources, ['eviction']);
    assert.deepEqual(pods.categories, ['all']);
    assert.equal((await discovery.resolve('deploy')).group, 'apps');
    assert.deepEqual(discovery.failedGroupVersions, ['metrics.k8s.io/v1beta1']);
    assert.equal((await discovery.resources()).length, 2);
  });
});
