// Each patch helper against the sandbox: the Content-Type the server saw, and the semantics it implies.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, Server } from 'node:http';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.ts';
import { loadKubeClient, type KubeClient } from './client.ts';
import { isInvalid } from './errors.ts';
import { applyPatch, jsonPatch, jsonPointerSegment, mergePatch, strategicMergePatch } from './patch.ts';
import { resourcePath } from './paths.ts';
import { tempDir } from './testkit.ts';

const dir = tempDir();
let sandbox: Sandbox;
let client: KubeClient;
const seen: Array<{ method: string; path: string; contentType?: string; query: string }> = [];

before(async () => {
  sandbox = await startSandbox({ apiOnly: true, kubeconfigPath: join(dir.path, 'kubeconfig') });
  // watch the wire: the sandbox's HTTPS server is private to ApiServer
  const https = (sandbox.server as unknown as { server: Server }).server;
  https.prependListener('request', (req: IncomingMessage) => {
    const url = new URL(req.url ?? '/', 'https://sandbox');
    seen.push({ method: req.method ?? '', path: url.pathname, contentType: req.headers['content-type'], query: url.search });
  });
  client = loadKubeClient({ kubeconfig: join(dir.path, 'kubeconfig') });
});

after(async () => {
  client?.close();
  await sandbox?.stop();
  dir.remove();
});

function lastPatch(path: string): { contentType?: string; query: string } {
  const found = seen.filter((r) => r.method === 'PATCH' && r.path === path).pop();
  assert.ok(found, `no PATCH of ${path} reached the server`);
  return found;
}

test('strategic merge: cordon and uncordon a node as kubectl does', async () => {
  await client.request('POST', '/api/v1/nodes', { body: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } } });
  const path = resourcePath({ group: '', version: 'v1', resource: 'nodes', name: 'n1' });
  const cordoned = await strategicMergePatch(client, path, { spec: { unschedulable: true } });
  assert.equal(lastPatch(path).contentType, 'application/strategic-merge-patch+json');
  assert.equal(cordoned.spec.unschedulable, true);
  const uncordoned = await strategicMergePatch(client, path, { spec: { unschedulable: null } });
  assert.equal(uncordoned.spec?.unschedulable, undefined);
});

test('strategic merge merges containers by name where a merge patch would replace the list', async () => {
  const path = resourcePath({ group: 'apps', version: 'v1', resource: 'deployments', namespace: 'default', name: 'web' });
  await client.request('POST', '/apis/apps/v1/namespaces/default/deployments', {
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'app:1' }, { name: 'sidecar', image: 'proxy:1' }] } },
      },
    },
  });
  const patched = await strategicMergePatch(client, path, { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } } });
  assert.deepEqual(
    patched.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`),
    ['app=app:2', 'sidecar=proxy:1'],
  );
});

test('merge patch: labels set and removed with null, fieldManager passed', async () => {
  await client.request('POST', '/api/v1/namespaces/default/configmaps', { body: { metadata: { name: 'm', labels: { keep: 'yes', drop: 'yes' } } } });
  const path = resourcePath({ group: '', version: 'v1', resource: 'configmaps', namespace: 'default', name: 'm' });
  const patched = await mergePatch(client, path, { metadata: { labels: { drop: null, added: 'yes' } } }, { fieldManager: 'kmaint-test' });
  const wire = lastPatch(path);
  assert.equal(wire.contentType, 'application/merge-patch+json');
  assert.match(wire.query, /fieldManager=kmaint-test/);
  assert.deepEqual(patched.metadata.labels, { keep: 'yes', added: 'yes' });
});

test('json patch: operations in order; a failing test operation rejects the whole patch', async () => {
  await client.request('POST', '/api/v1/namespaces/default/configmaps', { body: { metadata: { name: 'j', annotations: { 'example.com/owner': 'a' } }, data: { k: 'v' } } });
  const path = resourcePath({ group: '', version: 'v1', resource: 'configmaps', namespace: 'default', name: 'j' });
  const key = `/metadata/annotations/${jsonPointerSegment('example.com/owner')}`;
  const patched = await jsonPatch(client, path, [
    { op: 'test', path: key, value: 'a' },
    { op: 'replace', path: key, value: 'b' },
    { op: 'add', path: '/data/k2', value: 'v2' },
    { op: 'remove', path: '/data/k' },
  ]);
  assert.equal(lastPatch(path).contentType, 'application/json-patch+json');
  assert.equal(patched.metadata.annotations?.['example.com/owner'], 'b');
  assert.deepEqual(patched.data, { k2: 'v2' });
  await assert.rejects(jsonPatch(client, path, [{ op: 'test', path: key, value: 'a' }, { op: 'add', path: '/data/never', value: 'x' }]), (error) => isInvalid(error));
  const after = await client.request('GET', path);
  assert.equal(after.data.never, undefined);
});

test('server-side apply creates, then updates, with fieldManager and force in the query', async () => {
  const path = resourcePath({ group: '', version: 'v1', resource: 'configmaps', namespace: 'default', name: 'applied' });
  const manifest = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied', namespace: 'default' }, data: { a: '1' } };
  const created = await applyPatch(client, path, manifest, { fieldManager: 'kmaint' });
  let wire = lastPatch(path);
  assert.equal(wire.contentType, 'application/apply-patch+yaml');
  assert.match(wire.query, /fieldManager=kmaint/);
  assert.match(wire.query, /force=false/);
  assert.equal(created.data.a, '1');
  const updated = await applyPatch(client, path, { ...manifest, data: { a: '1', b: '2' } }, { fieldManager: 'kmaint', force: true });
  wire = lastPatch(path);
  assert.match(wire.query, /force=true/);
  assert.deepEqual(updated.data, { a: '1', b: '2' });
  assert.notEqual(updated.metadata.resourceVersion, created.metadata.resourceVersion);
  assert.throws(() => applyPatch(client, path, manifest, { fieldManager: '' }), /needs a fieldManager/);
});

test('dry run reaches the server and changes nothing', async () => {
  const path = resourcePath({ group: '', version: 'v1', resource: 'configmaps', namespace: 'default', name: 'm' });
  const preview = await mergePatch(client, path, { data: { dry: 'run' } }, { dryRun: true });
  assert.equal(preview.data.dry, 'run');
  assert.match(lastPatch(path).query, /dryRun=All/);
  const current = await client.request('GET', path);
  assert.equal(current.data?.dry, undefined);
});
