// --faults end to end: errors at the rate asked with real Status bodies, 429 with Retry-After, added latency,
// watch streams cut, the counts at /debug/faults, kubectl riding out 429s, and the CLI's usage errors.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:https';
import { kubectlFor } from './support/kubectl.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import { sharedBundle } from './support/cli-bundle.ts';

interface Reply {
  code: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  ms: number;
  /** the connection was cut before the response ended */
  cut: boolean;
}

function call(sandbox: TestSandbox, method: string, path: string, body?: string): Promise<Reply> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(`${sandbox.endpoint.server}${path}`, {
      method,
      ca: sandbox.endpoint.caCert,
      headers: { Authorization: `Bearer ${sandbox.endpoint.token}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    }, (res) => {
      let text = '';
      let cut = false;
      res.on('data', (d) => (text += d));
      res.on('aborted', () => (cut = true));
      res.on('error', () => (cut = true));
      res.on('close', () => resolve({ code: res.statusCode ?? 0, headers: res.headers, body: text, ms: performance.now() - started, cut: cut || !res.complete }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('--faults', () => {
  let sandbox: TestSandbox;
  before(async () => {
    sandbox = await testSandbox({ apiOnly: true, faults: 'configmaps:get=503@0.3,configmaps:list=latency:100ms,pods/eviction:create=429,pods:watch=drop:300ms' });
    const configMaps = sandbox.service.registry.get('', 'v1', 'configmaps')!;
    sandbox.service.create(configMaps, 'default', { metadata: { name: 'x' }, data: { a: '1' } });
    const pods = sandbox.service.registry.get('', 'v1', 'pods')!;
    sandbox.service.create(pods, 'default', { metadata: { name: 'web' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  });
  after(async () => sandbox?.cleanup());

  it('fails requests at roughly the rate asked, with the Status a real server sends, and counts them', async () => {
    const total = 400;
    const replies: Reply[] = [];
    for (let batch = 0; batch < total / 8; batch++) {
      replies.push(...(await Promise.all(Array.from({ length: 8 }, () => call(sandbox, 'GET', '/api/v1/namespaces/default/configmaps/x')))));
    }
    const failed = replies.filter((r) => r.code === 503);
    assert.equal(failed.length + replies.filter((r) => r.code === 200).length, total, 'every reply is a 503 or the object');
    const rate = failed.length / total;
    assert.ok(rate > 0.2 && rate < 0.4, `503 rate ${rate} should be about 0.3`);
    const status = JSON.parse(failed[0].body);
    assert.deepEqual([status.kind, status.status, status.code, status.reason], ['Status', 'Failure', 503, 'ServiceUnavailable']);
    const report = JSON.parse((await call(sandbox, 'GET', '/debug/faults')).body);
    const rule = report.rules.find((r: any) => r.rule === 'configmaps:get=503@0.3');
    assert.deepEqual([rule.matched, rule.injected], [total, failed.length]);
  });

  it('answers evictions with 429 TooManyRequests and Retry-After', async () => {
    const reply = await call(sandbox, 'POST', '/api/v1/namespaces/default/pods/web/eviction', JSON.stringify({ apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'web', namespace: 'default' } }));
    assert.equal(reply.code, 429);
    assert.equal(reply.headers['retry-after'], '1');
    const status = JSON.parse(reply.body);
    assert.equal(status.reason, 'TooManyRequests');
    assert.equal(status.details.retryAfterSeconds, 1);
    assert.ok(sandbox.service.store.getObject('core/pods', 'default', 'web'), 'the pod was not evicted');
  });

  it('adds latency to the verbs asked only', async () => {
    const lists = await Promise.all(Array.from({ length: 5 }, () => call(sandbox, 'GET', '/api/v1/namespaces/default/configmaps')));
    for (const list of lists) {
      assert.equal(list.code, 200);
      assert.ok(list.ms >= 95, `list took ${list.ms.toFixed(0)} ms`);
    }
    const plain = await call(sandbox, 'GET', '/api/v1/namespaces/default/pods/web');
    assert.ok(plain.ms < 95, `get pods took ${plain.ms.toFixed(0)} ms`);
  });

  it('cuts watch streams', async () => {
    const watch = await call(sandbox, 'GET', '/api/v1/namespaces/default/pods?watch=true');
    assert.equal(watch.code, 200);
    assert.ok(watch.cut, 'the stream ended without its final chunk');
    assert.ok(watch.ms < 2000, `cut after ${watch.ms.toFixed(0)} ms`);
    assert.match(watch.body, /"type":"ADDED"/);
  });

  it('kubectl rides out 429s with Retry-After; the rules can be replaced at run time', async () => {
    const k = kubectlFor(sandbox.kubeconfig);
    const put = await call(sandbox, 'PUT', '/debug/faults', 'configmaps:list=429@0.5');
    assert.equal(put.code, 200);
    for (let i = 0; i < 3; i++) assert.match(await k.ok(['get', 'configmaps', '-o', 'name'], { timeoutMs: 60_000 }), /^configmap\/x$/m);
    const report = sandbox.faults.report();
    assert.equal(report.spec, 'configmaps:list=429@0.5');
    assert.ok(report.rules[0].matched >= 3);
    const bad = await call(sandbox, 'PUT', '/debug/faults', 'configmaps:list=999');
    assert.equal(bad.code, 400);
    assert.match(JSON.parse(bad.body).message, /invalid fault spec: error code 999 must be from 400 to 599/);
    sandbox.faults.configure('');
    assert.equal((await call(sandbox, 'GET', '/api/v1/namespaces/default/configmaps/x')).code, 200);
  });
});

describe('kmaint sandbox up --faults', () => {
  it('rejects a bad spec with a one-line usage error and exit code 2', async () => {
    const run = spawnSync(process.execPath, [await sharedBundle(), 'sandbox', 'up', '--faults', 'pods:get=drop'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(run.status, 2, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /--faults: drop applies to watch streams only, not to "get"; expected RESOURCE:VERB=ACTION/);
  });
});
