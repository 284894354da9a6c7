// The informer against the sandbox API server: its first list, changes as they happen, waiting for a
// condition (met, timed out, aborted), and selectors applied on the server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.ts';
import { loadKubeClient, type KubeClient } from './client.ts';
import { Informer, type InformerChange } from './informer.ts';
import { tempDir } from './testkit.ts';

const dir = tempDir();
let sandbox: Sandbox;
let client: KubeClient;
const CM = '/api/v1/namespaces/default/configmaps';

function configMap(name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data };
}

before(async () => {
  sandbox = await startSandbox({ apiOnly: true, kubeconfigPath: join(dir.path, 'kubeconfig') });
  client = loadKubeClient({ kubeconfig: join(dir.path, 'kubeconfig') });
  await client.request('POST', CM, { body: configMap('first', { app: 'a' }) });
  await client.request('POST', CM, { body: configMap('other', { app: 'b' }) });
});

after(async () => {
  client?.close();
  await sandbox?.stop();
  dir.remove();
});

test('starts with the list, then follows creations, updates and deletions', async () => {
  const informer = new Informer(client, CM, { labelSelector: 'app=a' });
  const changes: InformerChange[] = [];
  informer.subscribe((change) => changes.push(change));
  await informer.start();
  try {
    assert.deepEqual([...informer.objects.keys()], ['default/first']);
    await client.request('POST', CM, { body: configMap('second', { app: 'a' }) });
    assert.equal(await informer.waitFor(() => informer.objects.has('default/second'), { timeoutMs: 5_000 }), true);
    await client.request('PATCH', `${CM}/first`, { body: { data: { k: 'v' } }, contentType: 'application/merge-patch+json' });
    assert.equal(await informer.waitFor(() => informer.objects.get('default/first')?.data?.k === 'v', { timeoutMs: 5_000 }), true);
    await client.request('DELETE', `${CM}/second`);
    assert.equal(await informer.waitFor(() => !informer.objects.has('default/second'), { timeoutMs: 5_000 }), true);
    assert.deepEqual(changes.map((c) => c.type), ['synced', 'upsert', 'upsert', 'delete']);
    assert.ok(!informer.objects.has('default/other'), 'the label selector is applied');
  } finally {
    informer.close();
  }
});

test('waitFor gives false at its timeout and rejects when aborted', async () => {
  const informer = new Informer(client, CM);
  await informer.start();
  try {
    const started = Date.now();
    assert.equal(await informer.waitFor(() => informer.objects.has('default/never'), { timeoutMs: 200 }), false);
    assert.ok(Date.now() - started >= 190);
    const controller = new AbortController();
    const waiting = informer.waitFor(() => false, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await assert.rejects(waiting, /stop/);
  } finally {
    informer.close();
  }
});
