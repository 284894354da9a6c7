import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { KubeObject } from '../domain/object.ts';
import { fieldExtractorFor } from '../sandbox/apiserver/fields.ts';
import { ObjectService } from '../sandbox/apiserver/objects.ts';
import { ResourceRegistry } from '../sandbox/apiserver/resources.ts';
import { ApiServer } from '../sandbox/apiserver/server.ts';
import { Store } from '../sandbox/apiserver/store.ts';
import { writeKubeconfig } from '../sandbox/kubeconfig.ts';
import { startSandbox, type Sandbox } from '../sandbox/sandbox.ts';
import { sandboxTls } from '../sandbox/tls.ts';
import { loadKubeClient, type KubeClient } from './client.ts';
import { KubeApiError } from './errors.ts';
import { backoffDelay, DEFAULT_BACKOFF, watch, type RetryInfo, type Watch, type WatchEvent } from './watch.ts';
import { fakeApiServer, sendJson, status, tempDir, writeKubeconfigFile, type FakeServer, type SeenRequest } from './testkit.ts';

const dir = tempDir();
after(() => dir.remove());

const cm = (name: string, rv: number): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', resourceVersion: String(rv) } });
const line = (type: string, object: unknown): string => JSON.stringify({ type, object }) + '\n';

/** Consumes a watch in the background until it ends or is aborted. */
function collect<T extends KubeObject>(w: Watch<T>): { events: WatchEvent<T>[]; done: Promise<unknown> } {
  const events: WatchEvent<T>[] = [];
  const done = (async () => {
    for await (const event of w) events.push(event);
  })();
  return { events, done };
}

async function until(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('backoff grows exponentially up to the cap, stretched by the jitter', () => {
  const options = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };
  assert.equal(backoffDelay(1, options, () => 0), 100);
  assert.equal(backoffDelay(2, options, () => 0), 200);
  assert.equal(backoffDelay(3, options, () => 0.5), 500);
  assert.equal(backoffDelay(10, options, () => 0), 1000);
  assert.equal(backoffDelay(10, options, () => 1), 1000);
  assert.equal(backoffDelay(1, DEFAULT_BACKOFF, () => 1), 1200);
});

describe('watch against a scripted server', () => {
  let fake: FakeServer;
  let client: KubeClient;
  let script: (req: SeenRequest, res: ServerResponse) => void = () => {};
  const watches = (): SeenRequest[] => fake.requests.filter((r) => r.query.get('watch') === 'true');
  const lists = (): SeenRequest[] => fake.requests.filter((r) => r.query.get('watch') !== 'true');

  before(async () => {
    fake = await fakeApiServer((req, res) => script(req, res));
    client = loadKubeClient({ kubeconfig: writeKubeconfigFile(join(dir.path, 'fake'), { server: fake.url }) });
  });
  after(async () => {
    client?.close();
    await fake?.close();
  });

  test('HTTP 410 and an in-stream ERROR 410 both lead to a relist and a RELISTED event', async () => {
    fake.requests.length = 0;
    let listCount = 0;
    script = (req, res) => {
      if (req.query.get('watch') !== 'true') {
        listCount++;
        const items = listCount === 1 ? [cm('a', 10)] : listCount === 2 ? [cm('a', 10), cm('b', 20)] : [cm('a', 10), cm('b', 20), cm('c', 30)];
        return sendJson(res, 200, { kind: 'ConfigMapList', metadata: { resourceVersion: String(listCount * 100) }, items });
      }
      const rv = req.query.get('resourceVersion');
      if (rv === '100') return sendJson(res, 410, status(410, 'Expired', 'too old resource version: 100 (150)'));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      if (rv === '200') {
        res.write(line('ADDED', cm('x', 201)));
        return res.end(line('ERROR', status(410, 'Expired', 'too old resource version: 201 (250)')));
      }
      res.write(line('ADDED', cm('d', 301)));
      // then stays open
    };
    const controller = new AbortController();
    const w = watch(client, '/api/v1/namespaces/default/configmaps', { signal: controller.signal, timeoutSeconds: 60 });
    const { events, done } = collect(w);
    await until(() => events.length === 5, 5000, 'five events');
    controller.abort();
    await done;
    assert.deepEqual(
      events.map((e) => (e.type === 'RELISTED' ? `RELISTED ${e.resourceVersion} ${e.items.map((i) => i.metadata.name).join('')}` : `${e.type} ${e.object.metadata.name}`)),
      ['RELISTED 100 a', 'RELISTED 200 ab', 'ADDED x', 'RELISTED 300 abc', 'ADDED d'],
    );
    assert.equal(w.relists, 3);
    assert.equal(w.failures, 0);
    assert.equal(w.resourceVersion, '301');
    assert.deepEqual(watches().map((r) => r.query.get('resourceVersion')), ['100', '200', '300']);
  });

  test('a server that answers 410 again right after a relist gets the backoff, not a hot loop', async () => {
    fake.requests.length = 0;
    script = (req, res) => {
      if (req.query.get('watch') !== 'true') return sendJson(res, 200, { kind: 'ConfigMapList', metadata: { resourceVersion: '5' }, items: [] });
      return sendJson(res, 410, status(410, 'Expired', 'too old'));
    };
    const controller = new AbortController();
    const retries: RetryInfo[] = [];
    const w = watch(client, '/api/v1/configmaps', { signal: controller.signal, backoff: { initialMs: 20, maxMs: 20, jitter: 0 }, onRetry: (r) => retries.push(r) });
    const { done } = collect(w);
    await until(() => retries.length >= 2, 5000, 'two retries');
    controller.abort();
    await done;
    assert.ok(w.relists <= retries.length + 2, `relists ${w.relists} are paced by the backoff (${retries.length} waits)`);
  });

  test('a dropped connection resumes from the last resourceVersion, bookmarks included', async () => {
    fake.requests.length = 0;
    let connection = 0;
    script = (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      connection++;
      if (connection === 1) {
        res.write(line('ADDED', cm('a', 11)));
        res.write(line('BOOKMARK', { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: '15' } }));
        setTimeout(() => res.destroy(), 20); // a broken connection, not a clean end
        return;
      }
      if (connection === 2) {
        res.write(line('MODIFIED', cm('a', 16)));
        res.end(); // a clean close, as timeoutSeconds does
        return;
      }
      res.write(line('DELETED', cm('a', 17)));
    };
    const controller = new AbortController();
    const retries: RetryInfo[] = [];
    const w = watch(client, '/api/v1/namespaces/default/configmaps', {
      signal: controller.signal,
      resourceVersion: '10',
      timeoutSeconds: 42,
      emitBookmarks: true,
      backoff: { initialMs: 5, maxMs: 20 },
      onRetry: (info) => retries.push(info),
    });
    const { events, done } = collect(w);
    await until(() => events.length === 4, 5000, 'four events');
    controller.abort();
    await done;
    assert.deepEqual(events.map((e) => `${e.type} ${e.type === 'RELISTED' ? '' : e.object.metadata.resourceVersion}`), ['ADDED 11', 'BOOKMARK 15', 'MODIFIED 16', 'DELETED 17']);
    assert.equal(lists().length, 0, 'a given resourceVersion needs no list');
    assert.deepEqual(watches().map((r) => r.query.get('resourceVersion')), ['10', '15', '16']);
    for (const request of watches()) {
      assert.equal(request.query.get('allowWatchBookmarks'), 'true');
      assert.equal(request.query.get('timeoutSeconds'), '42');
    }
    assert.equal(w.connections, 3);
  });

  test('a stream the server forgets to close is dropped and resumed', async () => {
    fake.requests.length = 0;
    let connection = 0;
    script = (_req, res) => {
      connection++;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(line('ADDED', cm(`s${connection}`, 30 + connection)));
      // and then silence, never an end
    };
    const controller = new AbortController();
    const w = watch(client, '/api/v1/configmaps', { signal: controller.signal, resourceVersion: '30', timeoutSeconds: 0.2, stuckGraceSeconds: 0.1 });
    const { events, done } = collect(w);
    await until(() => events.length === 3, 5000, 'three connections');
    controller.abort();
    await done;
    assert.deepEqual(watches().slice(0, 3).map((r) => r.query.get('resourceVersion')), ['30', '31', '32']);
    assert.equal(w.failures, 0);
  });

  test('server errors are retried with backoff from the same resourceVersion; Retry-After is honoured', async () => {
    fake.requests.length = 0;
    let attempt = 0;
    script = (_req, res) => {
      attempt++;
      if (attempt === 1) return sendJson(res, 500, status(500, 'InternalError', 'etcd is sad'));
      if (attempt === 2) return sendJson(res, 429, status(429, 'TooManyRequests', 'slow down'), { 'Retry-After': '0' });
      if (attempt === 3) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(line('ERROR', status(500, 'InternalError', 'watch chan error')));
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(line('ADDED', cm('x', 21)));
    };
    const controller = new AbortController();
    const retries: RetryInfo[] = [];
    const w = watch(client, '/api/v1/namespaces/default/configmaps', { signal: controller.signal, resourceVersion: '20', backoff: { initialMs: 5, maxMs: 50, jitter: 0 }, onRetry: (info) => retries.push(info) });
    const { events, done } = collect(w);
    await until(() => events.length === 1, 5000, 'the event after the errors');
    controller.abort();
    await done;
    assert.deepEqual(retries.map((r) => [r.attempt, r.delayMs, (r.error as KubeApiError).code]), [[1, 5, 500], [2, 10, 429], [3, 20, 500]]);
    assert.deepEqual(watches().map((r) => r.query.get('resourceVersion')), ['20', '20', '20', '20']);
    assert.equal(w.failures, 3);
  });

  test('errors no retry can fix end the watch; so does maxFailures', async () => {
    script = (_req, res) => sendJson(res, 403, status(403, 'Forbidden', 'configmaps is forbidden: User "x" cannot watch resource "configmaps"'));
    await assert.rejects(collect(watch(client, '/api/v1/configmaps', { resourceVersion: '1' })).done, (error: KubeApiError) => error.code === 403);
    script = (_req, res) => sendJson(res, 503, status(503, 'ServiceUnavailable', 'down'));
    await assert.rejects(collect(watch(client, '/api/v1/configmaps', { resourceVersion: '1', maxFailures: 3, backoff: { initialMs: 1, maxMs: 2 } })).done, (error: KubeApiError) => error.code === 503);
  });

  test('aborting ends the iteration quietly, during a stream or a backoff wait', async () => {
    script = (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.write(line('ADDED', cm('a', 2)));
    };
    const streaming = new AbortController();
    const w1 = collect(watch(client, '/api/v1/configmaps', { resourceVersion: '1', signal: streaming.signal }));
    await until(() => w1.events.length === 1);
    streaming.abort();
    await w1.done;
    script = (_req, res) => sendJson(res, 500, status(500, 'InternalError', 'x'));
    const waiting = new AbortController();
    const retries: RetryInfo[] = [];
    const w2 = collect(watch(client, '/api/v1/configmaps', { resourceVersion: '1', signal: waiting.signal, backoff: { initialMs: 60_000 }, onRetry: (r) => retries.push(r) }));
    await until(() => retries.length === 1);
    const started = Date.now();
    waiting.abort();
    await w2.done;
    assert.ok(Date.now() - started < 1000);
  });
});

describe('watch against the sandbox', () => {
  let sandbox: Sandbox;
  let client: KubeClient;
  const ns = '/api/v1/namespaces/watched/configmaps';

  before(async () => {
    sandbox = await startSandbox({ apiOnly: true, kubeconfigPath: join(dir.path, 'sandbox-kubeconfig') });
    client = loadKubeClient({ kubeconfig: join(dir.path, 'sandbox-kubeconfig') });
    await client.request('POST', '/api/v1/namespaces', { body: { metadata: { name: 'watched' } } });
  });
  after(async () => {
    client?.close();
    await sandbox?.stop();
  });

  test('resumes after the server closes the stream, without losing or repeating an event', async () => {
    await client.request('POST', ns, { body: { metadata: { name: 'before' } } });
    const controller = new AbortController();
    const w = watch(client, ns, { signal: controller.signal, timeoutSeconds: 1 });
    const { events, done } = collect(w);
    await until(() => events.length === 1, 5000, 'the initial list');

    // 90 writes spread over ~3.5 s: the server closes the stream every second in between
    const expected: string[] = [];
    let lastRv = '';
    for (let i = 0; i < 30; i++) {
      const name = `cm-${i}`;
      const created = await client.request('POST', ns, { body: { metadata: { name }, data: { v: '0' } } });
      const updated = await client.request('PUT', `${ns}/${name}`, { body: { ...created, data: { v: '1' } } });
      lastRv = updated.metadata.resourceVersion;
      expected.push(`ADDED ${name} ${created.metadata.resourceVersion}`, `MODIFIED ${name} ${updated.metadata.resourceVersion}`);
      if (i % 3 === 0) {
        await client.request('DELETE', `${ns}/${name}`);
        expected.push(`DELETED ${name}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 110));
    }
    const final = await client.request('POST', ns, { body: { metadata: { name: 'last' } } });
    expected.push(`ADDED last ${final.metadata.resourceVersion}`);
    await until(() => w.resourceVersion === final.metadata.resourceVersion, 10_000, 'the last write');
    controller.abort();
    await done;

    const [initial, ...rest] = events;
    assert.equal(initial.type, 'RELISTED');
    assert.deepEqual(initial.type === 'RELISTED' && initial.items.map((i) => i.metadata.name), ['before']);
    const seen = rest.map((e) => (e.type === 'RELISTED' ? 'RELISTED' : e.type === 'DELETED' ? `DELETED ${e.object.metadata.name}` : `${e.type} ${e.object.metadata.name} ${e.object.metadata.resourceVersion}`));
    assert.deepEqual(seen, expected);
    const rvs = rest.map((e) => (e.type === 'RELISTED' ? 0 : Number(e.object.metadata.resourceVersion)));
    assert.ok(rvs.every((rv, i) => i === 0 || rv > rvs[i - 1]), 'resourceVersions strictly increase');
    assert.ok(Number(lastRv) < Number(final.metadata.resourceVersion));
    assert.ok(w.connections >= 3, `reconnected (${w.connections} connections)`);
    assert.equal(w.relists, 1);
    assert.equal(w.failures, 0);
  });
});

describe('watch against a sandbox with a small event window', () => {
  let server: ApiServer;
  let service: ObjectService;
  let client: KubeClient;
  const path = '/api/v1/namespaces/default/configmaps';
  const historySize = 40;

  before(async () => {
    const registry = new ResourceRegistry();
    const now = (): Date => new Date();
    service = new ObjectService(new Store(fieldExtractorFor, { historySize }), registry, now);
    service.create(registry.get('', 'v1', 'namespaces')!, '', { metadata: { name: 'default' } });
    const tls = sandboxTls();
    server = new ApiServer({ service, token: 'small-window', tls, now });
    const port = await server.listen(0);
    writeKubeconfig(join(dir.path, 'small-window'), { server: `https://127.0.0.1:${port}`, caCert: tls.caCert, token: 'small-window' });
    client = loadKubeClient({ kubeconfig: join(dir.path, 'small-window') });
  });
  after(async () => {
    client?.close();
    await server?.close();
  });

  test('a resourceVersion older than the window (in-stream 410) relists, then follows new writes', async () => {
    const first = await client.request('POST', path, { body: { metadata: { name: 'first' } } });
    for (let i = 0; i < historySize * 2; i++) await client.request('POST', path, { body: { metadata: { name: `filler-${i}` } } });
    const controller = new AbortController();
    const w = watch<KubeObject>(client, path, { signal: controller.signal, resourceVersion: first.metadata.resourceVersion, timeoutSeconds: 30 });
    const { events, done } = collect(w);
    await until(() => events.length === 1, 5000, 'the relist');
    const after = await client.request('POST', path, { body: { metadata: { name: 'after' } } });
    await until(() => events.length === 2, 5000, 'the event after the relist');
    controller.abort();
    await done;
    const [relisted, added] = events;
    assert.equal(relisted.type, 'RELISTED');
    assert.equal(relisted.type === 'RELISTED' && relisted.items.length, historySize * 2 + 1);
    assert.equal(added.type === 'ADDED' && added.object.metadata.resourceVersion, after.metadata.resourceVersion);
    assert.equal(w.relists, 1);
  });

  test('a watch resumed from a saved resourceVersion ends with the same state as the server', async () => {
    // what a consumer keeps: a cache replaced on RELISTED, updated by events
    const cache = new Map<string, string>();
    const apply = (event: WatchEvent<KubeObject>): void => {
      if (event.type === 'RELISTED') {
        cache.clear();
        for (const item of event.items) cache.set(item.metadata.name!, item.metadata.resourceVersion!);
      } else if (event.type === 'DELETED') cache.delete(event.object.metadata.name!);
      else if (event.type !== 'BOOKMARK') cache.set(event.object.metadata.name!, event.object.metadata.resourceVersion!);
    };
    const run = async (resourceVersion: string | undefined, writes: () => Promise<void>): Promise<Watch<KubeObject>> => {
      const controller = new AbortController();
      const w = watch<KubeObject>(client, path, { signal: controller.signal, resourceVersion, timeoutSeconds: 1 });
      const consumed = (async () => {
        for await (const event of w) apply(event);
      })();
      await until(() => w.resourceVersion !== undefined && w.connections > 0, 5000, 'the watch to start');
      await writes();
      const current = String(service.store.resourceVersion);
      await until(() => w.resourceVersion === current, 10_000, 'the watch to catch up');
      controller.abort();
      await consumed;
      return w;
    };
    const names = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    const first = await run(undefined, async () => {
      for (const name of names('x', 10)) await client.request('POST', path, { body: { metadata: { name } } });
      await client.request('DELETE', `${path}/x-0`);
    });
    assert.equal(first.relists, 1);
    // while nobody watches, more writes than the window holds
    for (const name of names('y', historySize * 2)) await client.request('POST', path, { body: { metadata: { name } } });
    await client.request('DELETE', `${path}/x-1`);
    const second = await run(first.resourceVersion, async () => {
      await client.request('DELETE', `${path}/y-0`);
      await client.request('POST', path, { body: { metadata: { name: 'z' } } });
    });
    assert.equal(second.relists, 1, 'the saved version had expired: one relist');
    const server = await client.request('GET', path);
    assert.deepEqual(new Map(server.items.map((i: KubeObject) => [i.metadata.name, i.metadata.resourceVersion])), cache);
  });
});
