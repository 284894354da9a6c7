import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.ts';
import { loadKubeClient, type KubeClient } from './client.ts';
import { isGone } from './errors.ts';
import { listAll, listPaged } from './list.ts';
import { fakeApiServer, sendJson, status, tempDir, writeKubeconfigFile, type FakeServer } from './testkit.ts';

const dir = tempDir();
after(() => dir.remove());

describe('paging against the sandbox', () => {
  let sandbox: Sandbox;
  let client: KubeClient;
  const path = '/api/v1/namespaces/paging/configmaps';

  before(async () => {
    sandbox = await startSandbox({ apiOnly: true, kubeconfigPath: join(dir.path, 'kubeconfig') });
    client = loadKubeClient({ kubeconfig: join(dir.path, 'kubeconfig') });
    await client.request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'paging' } } });
    const names = Array.from({ length: 1200 }, (_, i) => `cm-${String(i).padStart(4, '0')}`);
    for (let i = 0; i < names.length; i += 50) {
      await Promise.all(names.slice(i, i + 50).map((name) => client.request('POST', path, { body: { metadata: { name, labels: { even: String(Number(name.slice(3)) % 2 === 0) } } } })));
    }
  });

  after(async () => {
    client?.close();
    await sandbox?.stop();
  });

  test('1,200 configmaps in pages of 500: every item once, in order, with the list resourceVersion', async () => {
    const list = listPaged<any>(client, path, { limit: 500 });
    const names: string[] = [];
    const pageSizes: number[] = [];
    for await (const page of list.pages()) pageSizes.push(page.length);
    assert.deepEqual(pageSizes, [500, 500, 200]);
    for await (const item of listPaged<any>(client, path, { limit: 500 })) names.push(item.metadata.name);
    assert.equal(names.length, 1200);
    assert.equal(new Set(names).size, 1200);
    assert.deepEqual(names, [...names].sort());
    assert.match(list.resourceVersion ?? '', /^\d+$/);
    assert.equal(list.kind, 'ConfigMapList');
    assert.equal(list.pagesFetched, 3);
    assert.equal(list.itemsYielded, 1200);
  });

  test('the continue token carries the query: a label selector pages the same way', async () => {
    const result = await listAll<any>(client, path, { limit: 500, labelSelector: 'even=true' });
    assert.equal(result.items.length, 600);
    assert.ok(result.items.every((cm) => cm.metadata.labels.even === 'true'));
    assert.equal(result.restarts, 0);
  });

  test('limit 0 fetches everything in one response', async () => {
    const list = listPaged<any>(client, path, { limit: 0 });
    let count = 0;
    for await (const _ of list) count++;
    assert.equal(count, 1200);
    assert.equal(list.pagesFetched, 1);
  });
});

describe('an expired continue token (410)', () => {
  let fake: FakeServer;
  let client: KubeClient;
  let expireNext = false;

  before(async () => {
    // three items, one per page; the continue token expires when the test says so
    fake = await fakeApiServer((req, res) => {
      const items = ['a', 'b', 'c'].map((name) => ({ metadata: { name, resourceVersion: '7' } }));
      const token = req.query.get('continue');
      if (token && expireNext) {
        expireNext = false;
        return sendJson(res, 410, status(410, 'Expired', 'The provided continue parameter is too old to display a consistent list result.'));
      }
      const index = token ? Number(token) : 0;
      const next = index + 1 < items.length ? String(index + 1) : undefined;
      return sendJson(res, 200, { kind: 'ThingList', apiVersion: 'v1', metadata: { resourceVersion: '7', ...(next ? { continue: next } : {}) }, items: [items[index]] });
    });
    client = loadKubeClient({ kubeconfig: writeKubeconfigFile(join(dir.path, 'fake'), { server: fake.url }) });
  });

  after(async () => {
    client?.close();
    await fake?.close();
  });

  test('listPaged fails clearly once it has handed items out', async () => {
    const seen: string[] = [];
    expireNext = true;
    await assert.rejects(
      (async () => {
        for await (const item of listPaged<any>(client, '/api/v1/things', { limit: 1 })) seen.push(item.metadata.name);
      })(),
      (error: Error) => {
        assert.ok(isGone(error));
        assert.equal(
          error.message,
          'the paged list of /api/v1/things expired after 1 items (the server no longer keeps its snapshot: The provided continue parameter is too old to display a consistent list result.); list again',
        );
        return true;
      },
    );
    assert.deepEqual(seen, ['a']);
  });

  test('listAll starts over and returns one whole snapshot', async () => {
    expireNext = true;
    const result = await listAll<any>(client, '/api/v1/things', { limit: 1 });
    assert.deepEqual(result.items.map((i) => i.metadata.name), ['a', 'b', 'c']);
    assert.equal(result.restarts, 1);
    assert.equal(result.resourceVersion, '7');
    const continues = fake.requests.filter((r) => r.query.has('continue')).length;
    assert.ok(continues >= 3);
  });
});
